#!/usr/bin/env bash
# tests/bench/run.sh — the load benchmark of kanjia. `./dev bench` runs it
# against the "bench" instance (an optimized build, its own MariaDB, pool and
# nginx); see tests/bench/README.md for what it measures and why.
#
# Stages, each through the same nginx, interleaved A B C D (then D at 16 and
# 256 connections, then R) for BENCH_ROUNDS rounds, medians reported:
#   A  nginx serving www/index.html                      (nginx's floor)
#   B  bare_fcgi.c behind nginx, {"ok":true}             (FastCGI's floor)
#   C  GET /api/v1/campaigns, if it answers 200          (cheapest real route)
#   D  GET /api/v1/me with a bearer token                (JWT + 2 queries)
#   R  sqlref.c: /me's two statements from plain C       (the database's ceiling)
# For A to D: saturation throughput with wrk (closed loop), then latency with
# openloop.c at 80% of that stage's own saturation rate (open loop, timed from
# the scheduled send, so queueing shows).
#
# Environment (set by ./dev): KANJIA_BASE_URL, KANJIA_RUN_DIR, KANJIA_CONF,
# KANJIA_BIN, KANJIA_REPO. Knobs:
#   BENCH_QUICK=1           ~1 minute smoke run (wrk 2 s, the others 1 s)
#   BENCH_DURATION=10       seconds of each wrk run
#   BENCH_OPEN_DURATION=5   seconds of each open-loop run
#   BENCH_SQL_DURATION=5    seconds of each sqlref run
#   BENCH_CONNECTIONS=64    connections for A-D (and the open-loop runs)
#   BENCH_WRK_THREADS=2     wrk -t
#   BENCH_ROUNDS=3          rounds (the median of them is reported)
#   BENCH_LOAD_PERCENT=80   open-loop rate, percent of measured saturation
#   BENCH_SQL_THREADS       sqlref connections (default: the pool's workers,
#                           the number of DB connections GET /me can use)
#   BENCH_SHOPPERS=10000    shoppers seeded so the tables are not tiny
#   BENCH_NGINX_PORT        port of the private nginx used only when the
#                           instance's nginx.conf does not include nginx.d/
#                           (default: the instance's port + 1)
# Output: the table on stdout, progress on stderr, every raw tool output in
# $KANJIA_RUN_DIR/bench-out/. Exit 0 when the benchmark ran (a target MISS is
# a result, not a failure); 1 when something broke (setup failed, a tool
# failed, a stage answered errors on more than 1% of its requests).
set -eEuo pipefail
# Anything that stops the script under set -e says where.
trap 'printf "bench: error: line %s: %s failed (status %s)\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

# --------------------------------------------------------------- settings

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

for name in KANJIA_BASE_URL KANJIA_RUN_DIR KANJIA_CONF KANJIA_REPO; do
	[[ -n ${!name:-} ]] || die "$name is not set (run this through ./dev bench)"
done
RUN=$KANJIA_RUN_DIR
REPO=$KANJIA_REPO
CONF=$KANJIA_CONF
HERE=$REPO/tests/bench
BIN_DIR=$RUN/bench-bin
OUT=$RUN/bench-out
DB_SOCKET=$RUN/mysqld.sock

# Loopback only: this script generates load and must never aim elsewhere.
[[ $KANJIA_BASE_URL =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]] ||
	die "KANJIA_BASE_URL must be http://127.0.0.1:PORT (got $KANJIA_BASE_URL)"
INSTANCE_PORT=${BASH_REMATCH[2]}
BASE=http://127.0.0.1:$INSTANCE_PORT

# A positive whole number from env $1, default $2, at most $3.
knob() {
	local value=${!1:-$2}
	if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > $3)); then
		die "$1 must be a whole number in 1..$3 (got $value)"
	fi
	printf '%s' "$value"
}

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	default_duration=2 default_open=1 default_sql=1 SETTLE=0.2
else
	default_duration=10 default_open=5 default_sql=5 SETTLE=0.5
fi
DURATION=$(knob BENCH_DURATION "$default_duration" 120)
OPEN_DURATION=$(knob BENCH_OPEN_DURATION "$default_open" 120)
SQL_DURATION=$(knob BENCH_SQL_DURATION "$default_sql" 120)
CONNECTIONS=$(knob BENCH_CONNECTIONS 64 4096)
WRK_THREADS=$(knob BENCH_WRK_THREADS 2 64)
ROUNDS=$(knob BENCH_ROUNDS 3 9)
LOAD_PERCENT=$(knob BENCH_LOAD_PERCENT 80 100)
SHOPPERS=$(knob BENCH_SHOPPERS 10000 1000000)
((CONNECTIONS >= WRK_THREADS)) || die "BENCH_CONNECTIONS must be at least BENCH_WRK_THREADS"
# The ratio stages: D at fewer and more connections than the main ones.
LOW_CONNECTIONS=16
HIGH_CONNECTIONS=256
OPEN_DRAIN=5          # seconds an open-loop run waits for stragglers
# SETTLE (above): seconds of quiet between two measurements.
BARE_MAX_SECONDS=1800 # bare_fcgi's own bound, in case this script dies hard

# Targets (reported PASS/MISS, never an exit status).
TARGET_D_OVER_B_PERCENT=50
TARGET_D_P99_MS=20

# Reads key $1 from the pool config ("key = value"); default $2.
conf_value() {
	local value
	value=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" | tail -n 1 | sed 's/[[:space:]]*$//')
	printf '%s' "${value:-$2}"
}
WORKERS=$(conf_value workers 4)
if ! [[ $WORKERS =~ ^[0-9]+$ ]] || ((WORKERS < 1)); then
	die "workers in $CONF is not a number: $WORKERS"
fi
SQL_THREADS=$(knob BENCH_SQL_THREADS "$WORKERS" 1024)

for tool in cc wrk curl mariadb nginx pkg-config; do
	command -v "$tool" >/dev/null || die "$tool is not installed (./dev installs it)"
done
[[ -S $DB_SOCKET ]] || die "no MariaDB socket at $DB_SOCKET"

mkdir -p "$BIN_DIR" "$OUT"
rm -f "$OUT"/*.txt

# ---------------------------------------------------------------- cleanup

# Everything this script starts is stopped here, by pid, on any exit.
BARE_PID=''
NGINX_INCLUDE_FILE=''
PRIVATE_NGINX_CONF=''
cleanup() {
	local i
	set +e
	if [[ -n $BARE_PID ]] && kill -0 "$BARE_PID" 2>/dev/null; then
		kill -TERM "$BARE_PID"
		for ((i = 0; i < 60; i++)); do
			kill -0 "$BARE_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$BARE_PID" 2>/dev/null && kill -KILL "$BARE_PID"
		wait "$BARE_PID" 2>/dev/null
	fi
	if [[ -n $NGINX_INCLUDE_FILE && -f $NGINX_INCLUDE_FILE ]]; then
		rm -f "$NGINX_INCLUDE_FILE"
		nginx_instance -s reload 2>/dev/null
	fi
	if [[ -n $PRIVATE_NGINX_CONF ]]; then
		nginx -p "$RUN/" -c "$PRIVATE_NGINX_CONF" -e "$RUN/bench-nginx-error.log" -s quit 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			[[ -e $RUN/bench-nginx.pid ]] || break
			sleep 0.1
		done
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

nginx_instance() { nginx -p "$RUN/" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" "$@"; }

# Prints the HTTP status of GET $1 (extra curl args after it); 000 if none.
http_code() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" || true
}

# Waits up to $2 seconds for GET $1 to answer 200.
wait_for_200() {
	local url=$1 seconds=$2 i
	for ((i = 0; i < seconds * 10; i++)); do
		[[ $(http_code "$url") == 200 ]] && return 0
		sleep 0.1
	done
	return 1
}

db() { mariadb --no-defaults --socket="$DB_SOCKET" -u root -N -B kanjia "$@"; }

# ------------------------------------------------------------------ build

say "compiling the bench tools into ${BIN_DIR}"
CFLAGS_BENCH=(-std=c11 -O2 -Wall -Wextra)
cc "${CFLAGS_BENCH[@]}" -o "$BIN_DIR/openloop" "$HERE/openloop.c" ||
	die "openloop.c did not compile"
cc "${CFLAGS_BENCH[@]}" -o "$BIN_DIR/bare_fcgi" "$HERE/bare_fcgi.c" -lfcgi ||
	die "bare_fcgi.c did not compile (libfcgi-dev?)"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc "${CFLAGS_BENCH[@]}" -pthread $(pkg-config --cflags libmariadb) -o "$BIN_DIR/sqlref" "$HERE/sqlref.c" \
	$(pkg-config --libs libmariadb) || die "sqlref.c did not compile (libmariadb-dev?)"

# ------------------------------------------------------------------ nginx

# The bare responder, on its own socket, as many workers as the pool.
BARE_SOCKET=$RUN/bare.sock
say "starting bare_fcgi with $WORKERS workers on $BARE_SOCKET"
"$BIN_DIR/bare_fcgi" -s "$BARE_SOCKET" -w "$WORKERS" -p "$RUN/bare.pid" -t "$BARE_MAX_SECONDS" \
	2>>"$OUT/bare_fcgi.log" &
BARE_PID=$!
for ((i = 0; i < 50; i++)); do
	[[ -S $BARE_SOCKET ]] && break
	kill -0 "$BARE_PID" 2>/dev/null || die "bare_fcgi exited at start (see $OUT/bare_fcgi.log)"
	sleep 0.1
done
[[ -S $BARE_SOCKET ]] || die "bare_fcgi made no socket within 5 s"

# /bench/bare goes through the same FastCGI settings as /api/ in
# nginx/local.conf.in, so that B differs from D only by what the pool does.
bare_location() {
	cat <<-EOF
		# Written by tests/bench/run.sh for the duration of a benchmark.
		location = /bench/bare {
		    access_log off;
		    include /etc/nginx/fastcgi_params;
		    fastcgi_param REQUEST_ID \$request_id;
		    fastcgi_param HTTP_PROXY "";
		    fastcgi_keep_conn off;
		    fastcgi_next_upstream off;
		    fastcgi_intercept_errors off;
		    fastcgi_connect_timeout 2s;
		    fastcgi_send_timeout 15s;
		    fastcgi_read_timeout 15s;
		    fastcgi_buffering on;
		    fastcgi_buffer_size 16k;
		    fastcgi_buffers 16 16k;
		    fastcgi_busy_buffers_size 32k;
		    fastcgi_pass unix:$BARE_SOCKET;
		}
	EOF
}

NGINX_NOTE=''
if grep -q 'nginx\.d/' "$RUN/nginx.conf" 2>/dev/null; then
	# The contract: the instance's server block includes nginx.d/*.conf.
	mkdir -p "$RUN/nginx.d"
	NGINX_INCLUDE_FILE=$RUN/nginx.d/bench-bare.conf
	bare_location >"$NGINX_INCLUDE_FILE"
	nginx_instance -q -t || die "nginx refused $NGINX_INCLUDE_FILE"
	nginx_instance -s reload || die "nginx reload failed"
	NGINX_NOTE="instance nginx on $INSTANCE_PORT, /bench/bare via nginx.d/"
else
	# Not yet: run a private copy of the instance's own config (same
	# server block, same workers) on another port, with the include added.
	[[ -f $RUN/nginx.conf ]] || die "no $RUN/nginx.conf"
	PORT=${BENCH_NGINX_PORT:-$((INSTANCE_PORT + 1))}
	[[ $PORT =~ ^[0-9]+$ ]] || die "BENCH_NGINX_PORT is not a port"
	grep -Eq "^[[:space:]]*listen[[:space:]]+127\.0\.0\.1:$INSTANCE_PORT;" "$RUN/nginx.conf" ||
		die "cannot find 'listen 127.0.0.1:$INSTANCE_PORT;' in $RUN/nginx.conf"
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
		die "port $PORT is busy; pick a free one with BENCH_NGINX_PORT"
	fi
	mkdir -p "$RUN/bench-nginx.d"
	bare_location >"$RUN/bench-nginx.d/bench-bare.conf"
	conf=$RUN/bench-nginx.conf
	sed -E \
		-e "s|^([[:space:]]*)listen[[:space:]]+127\.0\.0\.1:$INSTANCE_PORT;|\1listen 127.0.0.1:$PORT;\n\1include $RUN/bench-nginx.d/*.conf;|" \
		-e "s|^([[:space:]]*)pid[[:space:]]+[^;]*;|\1pid $RUN/bench-nginx.pid;|" \
		"$RUN/nginx.conf" >"$conf"
	grep -q "bench-nginx.pid" "$conf" || printf 'pid %s;\n%s' "$RUN/bench-nginx.pid" "$(cat "$conf")" >"$conf"
	nginx -p "$RUN/" -c "$conf" -e "$RUN/bench-nginx-error.log" -q -t ||
		die "nginx refused the private copy $conf"
	nginx -p "$RUN/" -c "$conf" -e "$RUN/bench-nginx-error.log" || die "the private nginx did not start"
	PRIVATE_NGINX_CONF=$conf
	BASE=http://127.0.0.1:$PORT
	NGINX_NOTE="private copy of the instance's nginx.conf on $PORT ($RUN/nginx.conf has no include of nginx.d/ yet)"
	warn "$NGINX_NOTE"
fi
wait_for_200 "$BASE/bench/bare" 10 || die "GET $BASE/bench/bare does not answer 200"
[[ $(http_code "$BASE/index.html") == 200 ]] || die "GET $BASE/index.html does not answer 200"

# ------------------------------------------------------------------- data

say "seeding $SHOPPERS shoppers, their coupons and revoked tokens"
# Phones 170xxxxxxxx are the bench's; INSERT IGNORE keeps re-runs idempotent.
db <<-SQL || die "seeding failed"
	INSERT IGNORE INTO shopper (phone, points_balance, created_at, last_login_at)
	  SELECT CONCAT('170', LPAD(seq, 8, '0')), seq % 500, UTC_TIMESTAMP() - INTERVAL (seq % 400) DAY, NULL
	  FROM seq_1_to_$SHOPPERS;
	INSERT INTO coupon (user_id, title, amount_fen, min_spend_fen, starts_at, expires_at, status, created_at)
	  SELECT s.id, 'bench seed', 500 + n.seq * 100, 5000, UTC_TIMESTAMP() - INTERVAL 1 DAY,
	         UTC_TIMESTAMP() + INTERVAL (n.seq * 10) DAY, IF(n.seq = 3, 'used', 'available'), UTC_TIMESTAMP()
	  FROM shopper s CROSS JOIN seq_1_to_3 n
	  WHERE s.phone LIKE '170%' AND NOT EXISTS (SELECT 1 FROM coupon c WHERE c.user_id = s.id);
	INSERT IGNORE INTO revoked_token (jti, expires_at)
	  SELECT MD5(CONCAT('kanjia-bench-', seq)), UTC_TIMESTAMP() + INTERVAL 1 DAY FROM seq_1_to_$SHOPPERS;
SQL

# A shopper logged in through the API, as a client would. A fresh phone per
# run: the SMS gap (sms_phone_gap_s) refuses a second code within a minute.
say "logging a shopper in through the API"
PHONE=199$(printf '%08d' $(((RANDOM * 32768 + RANDOM) % 100000000)))
code=$(curl -s -o "$OUT/login-sms.txt" -w '%{http_code}' --max-time 10 -X POST \
	-H 'Content-Type: application/json' -d "{\"phone\":\"$PHONE\"}" "$BASE/api/v1/auth/sms" || true)
[[ $code == 202 ]] || die "POST /api/v1/auth/sms answered $code: $(cat "$OUT/login-sms.txt" 2>/dev/null)"
SMS_CODE=$(db -e "SELECT body FROM sms_outbox WHERE phone = '$PHONE' ORDER BY id DESC LIMIT 1" |
	grep -o '[0-9]\{6\}' | head -n 1 || true)
[[ $SMS_CODE =~ ^[0-9]{6}$ ]] || die "no 6-digit code in sms_outbox for $PHONE"
code=$(curl -s -o "$OUT/login.txt" -w '%{http_code}' --max-time 10 -X POST \
	-H 'Content-Type: application/json' -d "{\"phone\":\"$PHONE\",\"code\":\"$SMS_CODE\"}" \
	"$BASE/api/v1/auth/login" || true)
[[ $code == 200 ]] || die "POST /api/v1/auth/login answered $code: $(cat "$OUT/login.txt" 2>/dev/null)"
TOKEN=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$OUT/login.txt")
USER_ID=$(sed -n 's/.*"user":{[^}]*"id":\([0-9]*\).*/\1/p' "$OUT/login.txt")
rm -f "$OUT/login.txt" # it holds the token
[[ -n $TOKEN && $USER_ID =~ ^[0-9]+$ ]] || die "the login answer has no token or user id"
# The jti, for sqlref: the token's payload is base64url JSON.
payload=${TOKEN#*.}
payload=${payload%%.*}
payload=$(printf '%s' "$payload" | tr '_-' '/+')
while ((${#payload} % 4)); do payload+='='; done
JTI=$(printf '%s' "$payload" | base64 -d 2>/dev/null | sed -n 's/.*"jti":"\([^"]*\)".*/\1/p')
[[ $JTI =~ ^[A-Za-z0-9_-]{8,64}$ ]] || die "cannot read the jti from the token"
# Some coupons of its own, so /me's count has rows to count.
db -e "INSERT INTO coupon (user_id, title, amount_fen, min_spend_fen, starts_at, expires_at, status, created_at)
       SELECT $USER_ID, 'bench', 1000, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 30 DAY, 'available',
              UTC_TIMESTAMP() FROM seq_1_to_3" || die "seeding the bench shopper's coupons failed"
AUTH_HEADER="Authorization: Bearer $TOKEN"
code=$(http_code "$BASE/api/v1/me" -H "$AUTH_HEADER")
[[ $code == 200 ]] || die "GET /api/v1/me with the new token answered $code"

code=$(http_code "$BASE/api/v1/campaigns")
if [[ $code == 200 ]]; then
	HAVE_C=1
	C_NOTE=''
else
	HAVE_C=0
	C_NOTE="C skipped: GET /api/v1/campaigns answered $code (the route does not exist yet)"
	warn "$C_NOTE"
fi

# ------------------------------------------------------- CPU accounting

# Where the machine's CPU went during a measurement, by process group: the
# instance's nginx, the kanjiad pool, bare_fcgi, mariadbd, the load tool
# (wrk, openloop, sqlref: this script's children), and everything else
# (other people's work on a shared box shows up there, and makes the
# numbers suspect). Read from /proc before and after; a process that exits
# in between is found in its parent's cutime/cstime (recycled pool workers
# in the master's, the load tools in this shell's).

# The pid in pid file $1, or 0.
pid_from() {
	local pid
	pid=$(cat "$1" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]+$ ]] && printf '%s' "$pid" || printf 0
}

# Writes a snapshot: "SYS busy all" (jiffies, all CPUs), then one line per
# process "pid ppid ticks child_ticks".
cpu_snapshot() {
	{
		awk '$1 == "cpu" { busy = $2 + $3 + $4 + $7 + $8 + $9; print "SYS", busy, busy + $5 + $6 }' /proc/stat
		# A process may end between the glob and the read: not an error.
		{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{
			i = length($0); while (i > 0 && substr($0, i, 1) != ")") i--
			n = split(substr($0, i + 2), f, " ")
			if (n >= 15) print $1, f[2], f[12] + f[13], f[14] + f[15]
		}'
	} >"$1"
}

# Prints "nginx pool bare mariadb client other unattributed idle": each the
# percent of the machine's capacity between snapshots $1 and $2.
cpu_split() {
	awk -v nginx="$NGINX_MASTER" -v pool="$POOL_PID" -v bare="${BARE_PID:-0}" -v db="$DB_PID" -v self="$$" '
		FNR == NR {
			if ($1 == "SYS") { busy0 = $2; all0 = $3 } else { t0[$1] = $3; c0[$1] = $4 }
			next
		}
		$1 == "SYS" { busy = $2 - busy0; all = $3 - all0; next }
		{
			pid = $1; ppid = $2
			d = $3 - ((pid in t0) ? t0[pid] : 0)
			cd = (pid in t0) ? $4 - c0[pid] : 0
			if (d < 0) d = 0
			if (cd < 0) cd = 0
			if (pid == nginx || ppid == nginx) g = "nginx"
			else if (pid == pool || ppid == pool) g = "pool"
			else if (pid == bare || ppid == bare) g = "bare"
			else if (pid == db) g = "mariadb"
			else if (pid == self) { g = "client"; d = 0 }
			else g = "other"
			use[g] += d
			# Reaped children: the masters keep theirs, this shell its tools.
			if (pid == nginx || pid == pool || pid == bare || pid == self) use[g] += cd
			attributed += d + ((pid == nginx || pid == pool || pid == bare || pid == self) ? cd : 0)
		}
		END {
			if (all <= 0) all = 1
			un = busy - attributed; if (un < 0) un = 0
			printf "%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n", 100 * use["nginx"] / all, 100 * use["pool"] / all,
				100 * use["bare"] / all, 100 * use["mariadb"] / all, 100 * use["client"] / all,
				100 * use["other"] / all, 100 * un / all, 100 * (all - busy) / all
		}' "$1" "$2"
}

# ------------------------------------------------------------ measurement

declare -A RESULT # RESULT[stage:round:metric] = value

# wrk's saturation run: sets SAT_RATE and SAT_ERRORS, log in $OUT.
# $1 file tag, $2 url, $3 connections, rest: extra wrk arguments.
saturate() {
	local tag=$1 url=$2 connections=$3 log
	shift 3
	log=$OUT/$tag-wrk.txt
	local threads=$WRK_THREADS
	((threads > connections)) && threads=$connections
	cpu_snapshot "$OUT/cpu-before"
	timeout $((DURATION + 30)) wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 5s "$@" "$url" \
		>"$log" 2>&1 || die "wrk failed on $url (see $log)"
	cpu_snapshot "$OUT/cpu-after"
	SAT_CPU=$(cpu_split "$OUT/cpu-before" "$OUT/cpu-after")
	printf '%s\n' "$SAT_CPU" >"$OUT/$tag-cpu.txt"
	SAT_RATE=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
	[[ -n $SAT_RATE ]] || die "no Requests/sec in $log"
	SAT_ERRORS=$(awk '
		/Non-2xx or 3xx responses:/ { e += $NF }
		/Socket errors:/ { gsub(",", ""); e += $4 + $6 + $8 + $10 }
		END { print e + 0 }' "$log")
	SAT_TOTAL=$(awk '/requests in/ { print $1 }' "$log")
	sleep "$SETTLE"
}

# The open-loop run at LOAD_PERCENT of rate $3: sets OPEN_* from its
# RESULT line. $1 file tag, $2 url, $3 saturation rate, rest: -H header.
open_loop() {
	local tag=$1 url=$2 saturation=$3 rate log line
	shift 3
	rate=$(awk -v r="$saturation" -v p="$LOAD_PERCENT" 'BEGIN { x = r * p / 100; if (x < 1) x = 1; printf "%.1f", x }')
	log=$OUT/$tag-openloop.txt
	timeout $((OPEN_DURATION + OPEN_DRAIN + 30)) "$BIN_DIR/openloop" -r "$rate" -c "$CONNECTIONS" \
		-d "$OPEN_DURATION" -D "$OPEN_DRAIN" "$@" "$url" >"$log" 2>&1 ||
		die "openloop failed on $url (see $log)"
	line=$(grep '^RESULT ' "$log") || die "no RESULT line in $log"
	OPEN_TARGET=$rate
	OPEN_RATE=$(result_field "$line" rate)
	OPEN_ERRORS=$(result_field "$line" errors)
	OPEN_TOTAL=$(result_field "$line" answered)
	OPEN_P50=$(result_field "$line" p50)
	OPEN_P99=$(result_field "$line" p99)
	sleep "$SETTLE"
}

# The value of key $2 in a "RESULT k=v ..." line $1.
result_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# One stage A-D in round $2: saturation, then open loop. $1 stage, $3 url,
# rest: extra arguments for both tools (a header).
stage() {
	local name=$1 round=$2 url=$3
	shift 3
	saturate "$name-r$round" "$url" "$CONNECTIONS" "$@"
	open_loop "$name-r$round" "$url" "$SAT_RATE" "$@"
	RESULT[$name:$round:rate]=$SAT_RATE
	RESULT[$name:$round:p50]=$OPEN_P50
	RESULT[$name:$round:p99]=$OPEN_P99
	RESULT[$name:$round:errors]=$((SAT_ERRORS + OPEN_ERRORS))
	RESULT[$name:$round:requests]=$((SAT_TOTAL + OPEN_TOTAL))
	RESULT[$name:$round:open]=$OPEN_RATE/$OPEN_TARGET
	RESULT[$name:$round:cpu]=$SAT_CPU
	say "  $name: $SAT_RATE req/s saturated; at $OPEN_TARGET req/s: p50 $OPEN_P50 ms, p99 $OPEN_P99 ms;" \
		"errors $((SAT_ERRORS + OPEN_ERRORS))"
}

# D at another connection count: saturation only.
stage_connections() {
	local name=$1 round=$2 connections=$3
	saturate "$name-r$round" "$BASE/api/v1/me" "$connections" -H "$AUTH_HEADER"
	RESULT[$name:$round:rate]=$SAT_RATE
	RESULT[$name:$round:errors]=$SAT_ERRORS
	RESULT[$name:$round:requests]=$SAT_TOTAL
	RESULT[$name:$round:cpu]=$SAT_CPU
	say "  $name: $SAT_RATE req/s saturated at $connections connections; errors $SAT_ERRORS"
}

stage_sql() {
	local round=$1 log=$OUT/R-r$1-sqlref.txt line
	cpu_snapshot "$OUT/cpu-before"
	timeout $((SQL_DURATION + 30)) "$BIN_DIR/sqlref" -f "$CONF" -S "$DB_SOCKET" -U "$USER_ID" -j "$JTI" \
		-c "$SQL_THREADS" -d "$SQL_DURATION" >"$log" 2>&1 || die "sqlref failed (see $log)"
	cpu_snapshot "$OUT/cpu-after"
	RESULT[R:$round:cpu]=$(cpu_split "$OUT/cpu-before" "$OUT/cpu-after")
	line=$(grep '^RESULT ' "$log") || die "no RESULT line in $log"
	RESULT[R:$round:rate]=$(result_field "$line" rate)
	RESULT[R:$round:p50]=$(result_field "$line" p50)
	RESULT[R:$round:p99]=$(result_field "$line" p99)
	RESULT[R:$round:errors]=$(result_field "$line" errors)
	RESULT[R:$round:requests]=$(result_field "$line" answered)
	say "  R: ${RESULT[R:$round:rate]} tx/s at $SQL_THREADS connections; p50 ${RESULT[R:$round:p50]} ms," \
		"p99 ${RESULT[R:$round:p99]} ms; errors ${RESULT[R:$round:errors]}"
	sleep "$SETTLE"
}

STAGES=(A B)
((HAVE_C)) && STAGES+=(C)
STAGES+=(D)
url_of() {
	case $1 in
	A) printf '%s/index.html' "$BASE" ;;
	B) printf '%s/bench/bare' "$BASE" ;;
	C) printf '%s/api/v1/campaigns' "$BASE" ;;
	D) printf '%s/api/v1/me' "$BASE" ;;
	esac
}
run_stage() {
	local name=$1 round=$2
	if [[ $name == D ]]; then
		stage D "$round" "$(url_of D)" -H "$AUTH_HEADER"
	else
		stage "$name" "$round" "$(url_of "$name")"
	fi
}

POOL_PID=$(pid_from "$RUN/kanjiad.pid")
DB_PID=$(pid_from "$RUN/mysqld.pid")
if [[ -n $PRIVATE_NGINX_CONF ]]; then
	NGINX_MASTER=$(pid_from "$RUN/bench-nginx.pid")
else
	NGINX_MASTER=$(pid_from "$RUN/nginx.pid")
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date +%s)

# Warm-up: one second per stage, unmeasured (caches, prepared statements,
# the workers' first connections).
stage_count=${#STAGES[@]}
estimate=$(awk -v r="$ROUNDS" -v n="$stage_count" -v w="$DURATION" -v o="$OPEN_DURATION" -v q="$SQL_DURATION" \
	-v s="$SETTLE" 'BEGIN { printf "%.0f", n + r * (n * (w + o + 2 * s) + 2 * (w + s) + q + 0.3 + s) }')
say "about ${estimate}s of load from here (longer if a stage is overloaded: the open loop drains up to ${OPEN_DRAIN}s)"
say "warming up"
for name in "${STAGES[@]}"; do
	if [[ $name == D ]]; then
		wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -H "$AUTH_HEADER" "$(url_of D)" >/dev/null 2>&1 || true
	else
		wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s "$(url_of "$name")" >/dev/null 2>&1 || true
	fi
done

for ((round = 1; round <= ROUNDS; round++)); do
	say "round $round of $ROUNDS"
	for name in "${STAGES[@]}"; do
		run_stage "$name" "$round"
	done
	stage_connections D$LOW_CONNECTIONS "$round" "$LOW_CONNECTIONS"
	stage_connections D$HIGH_CONNECTIONS "$round" "$HIGH_CONNECTIONS"
	stage_sql "$round"
done
elapsed=$(($(date +%s) - started_at))

if ((POOL_PID > 0)) && ! kill -0 "$POOL_PID" 2>/dev/null; then
	die "the kanjiad pool (pid $POOL_PID) is gone after the benchmark"
fi

# ----------------------------------------------------------------- report

# The median of the values of metric $2 of stage $1 over the rounds.
median() {
	local stage=$1 metric=$2 round values=()
	for ((round = 1; round <= ROUNDS; round++)); do
		values+=("${RESULT[$stage:$round:$metric]:-}")
	done
	printf '%s\n' "${values[@]}" | awk 'NF' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The sum of metric $2 of stage $1 over the rounds.
total() {
	local stage=$1 metric=$2 round sum=0
	for ((round = 1; round <= ROUNDS; round++)); do
		sum=$((sum + ${RESULT[$stage:$round:$metric]:-0}))
	done
	printf '%s' "$sum"
}
# All rounds' values of metric $2 of stage $1, for the spread.
spread() {
	local stage=$1 metric=$2 round values=()
	for ((round = 1; round <= ROUNDS; round++)); do
		values+=("$(printf '%.0f' "${RESULT[$stage:$round:$metric]:-0}")")
	done
	local IFS=' '
	printf '%s' "${values[*]}"
}

BROKE=0
print_row() {
	local label=$1 stage=$2 connections=$3 rate p50 p99 errors requests percent flag=''
	rate=$(median "$stage" rate)
	p50=$(median "$stage" p50)
	p99=$(median "$stage" p99)
	errors=$(total "$stage" errors)
	requests=$(total "$stage" requests)
	percent=$(awk -v e="$errors" -v n="$requests" 'BEGIN { printf "%.2f", (n > 0 ? 100 * e / n : 0) }')
	if awk -v p="$percent" 'BEGIN { exit !(p > 1) }'; then
		flag=' ERRORS'
		BROKE=1
	fi
	printf '%-30s %5s %10.0f %9s %9s %8s  (%s)%s\n' "$label" "$connections" "$rate" "$p50" "$p99" "$errors" \
		"$(spread "$stage" rate)" "$flag"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "-" }'; }
verdict() { if awk -v x="$1" -v op="$2" -v t="$3" 'BEGIN { exit !(op == ">=" ? x >= t : x < t) }'; then echo PASS; else echo MISS; fi; }

nginx_workers=$(sed -n 's/^[[:space:]]*worker_processes[[:space:]]*\([^;]*\);.*/\1/p' "${PRIVATE_NGINX_CONF:-$RUN/nginx.conf}" | head -n 1)
echo
echo "kanjia benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), ${elapsed}s of load"
echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
echo "stack:   pool workers $WORKERS (max_requests $(conf_value max_requests 10000)), nginx workers ${nginx_workers:-?}, $(db -e 'SELECT VERSION()' 2>/dev/null || echo 'MariaDB ?')"
echo "nginx:   $NGINX_NOTE"
echo "tools:   wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s for saturation; openloop at $LOAD_PERCENT% of each stage's own saturation, $CONNECTIONS connections, ${OPEN_DURATION}s; sqlref $SQL_THREADS connections, ${SQL_DURATION}s; median of $ROUNDS rounds"
echo "load:    1/5/15-minute load average before the run: $LOAD_BEFORE"
echo "data:    $(db -e 'SELECT COUNT(*) FROM shopper') shoppers, $(db -e 'SELECT COUNT(*) FROM coupon') coupons, $(db -e 'SELECT COUNT(*) FROM revoked_token') revoked tokens"
[[ -n $C_NOTE ]] && echo "note:    $C_NOTE"
echo
printf '%-30s %5s %10s %9s %9s %8s  %s\n' stage conns 'req/s' 'p50 ms' 'p99 ms' errors '(req/s per round)'
print_row "A static /index.html" A "$CONNECTIONS"
print_row "B bare FastCGI /bench/bare" B "$CONNECTIONS"
if ((HAVE_C)); then
	print_row "C GET /api/v1/campaigns" C "$CONNECTIONS"
else
	printf '%-30s %5s %10s %9s %9s %8s  (%s)\n' "C GET /api/v1/campaigns" - - - - - skipped
fi
print_row "D GET /api/v1/me" D "$CONNECTIONS"
print_row "D GET /api/v1/me (saturation)" D$LOW_CONNECTIONS "$LOW_CONNECTIONS"
print_row "D GET /api/v1/me (saturation)" D$HIGH_CONNECTIONS "$HIGH_CONNECTIONS"
print_row "R sqlref, /me's SQL (tx/s)" R "$SQL_THREADS"
echo "(p50/p99: open loop at $LOAD_PERCENT% of the stage's saturation, timed from the scheduled send; R: per transaction, closed loop)"

# The mean over the rounds of the CPU split of stage $1.
cpu_mean() {
	local stage=$1 round
	for ((round = 1; round <= ROUNDS; round++)); do
		printf '%s\n' "${RESULT[$stage:$round:cpu]:-}"
	done | awk 'NF == 8 { n++; for (i = 1; i <= 8; i++) s[i] += $i }
		END { for (i = 1; i <= 8; i++) printf "%8.0f", n ? s[i] / n : 0; print "" }'
}
echo
echo "CPU during the saturation runs, % of all $(nproc) cores (mean of rounds). load: wrk/sqlref; other: processes"
echo "outside this benchmark (if large, the box was shared and the numbers are suspect); unattr: kernel/irq time"
echo "and processes that exited mid-run:"
printf '%-30s%8s%8s%8s%8s%8s%8s%8s%8s\n' stage nginx pool bare mariadb load other unattr idle
for stage in A B C D "D$LOW_CONNECTIONS" "D$HIGH_CONNECTIONS" R; do
	[[ $stage == C ]] && ! ((HAVE_C)) && continue
	printf '%-30s%s\n' "$stage" "$(cpu_mean "$stage")"
done

d=$(median D rate)
b=$(median B rate)
d_over_b=$(ratio "$d" "$b")
d_p99=$(median D p99)
echo
echo "D/B throughput        $d_over_b%   (target >= $TARGET_D_OVER_B_PERCENT%)   $(verdict "$d_over_b" '>=' "$TARGET_D_OVER_B_PERCENT")"
echo "D p99 at $CONNECTIONS conns      $d_p99 ms   (target < $TARGET_D_P99_MS ms)   $(verdict "$d_p99" '<' "$TARGET_D_P99_MS")"
echo "B/A throughput        $(ratio "$b" "$(median A rate)")%"
echo "D/R (me over its SQL) $(ratio "$d" "$(median R rate)")%"
echo "D at $LOW_CONNECTIONS/$CONNECTIONS/$HIGH_CONNECTIONS conns  $(median D$LOW_CONNECTIONS rate) / $d / $(median D$HIGH_CONNECTIONS rate) req/s  ($(ratio "$(median D$LOW_CONNECTIONS rate)" "$d")% / 100% / $(ratio "$(median D$HIGH_CONNECTIONS rate)" "$d")%)"
echo "raw outputs: $OUT/"
if ((BROKE)); then
	echo "bench: a stage answered errors on more than 1% of its requests: the numbers above are not trustworthy" >&2
	exit 1
fi
exit 0
