#!/usr/bin/env bash
# tests/bench/run.sh — the load benchmark of kanjia. `./dev bench` runs it
# against the "bench" instance (an optimized build, its own MariaDB, pool and
# nginx); see tests/bench/README.md for what it measures and why.
#
# Stages, each through the same nginx, interleaved A B C D (then D at 16 and
# 256 connections, then R, then the bargain stages) for BENCH_ROUNDS rounds,
# medians reported:
#   A  nginx serving www/index.html                      (nginx's floor)
#   B  bare_fcgi.c behind nginx, {"ok":true}             (FastCGI's floor)
#   C  GET /api/v1/campaigns, if it answers 200          (cheapest real route)
#   D  GET /api/v1/me with one bearer token              (kept per worker: no query)
#   R  sqlref.c: /me's two statements from plain C       (the database's ceiling)
#   H1 POST /api/v1/s/{code}/help, many helpers, ONE hot bargain (also at 16
#      and 256 connections, saturation only)
#   H2 the same spread over BENCH_HELP_BARGAINS (10,000) bargains
#   L  GET /api/v1/s/{code}, the share landing
#   HR helpref.c: the help transaction's SQL from plain C, on one hot bargain
#      and on the 10,000, at the pool's DB concurrency (and at
#      BENCH_HR_WIDE connections)                     (the database's ceiling)
#   O1 POST /api/v1/orders, distinct shoppers and Idempotency-Keys, ONE hot
#      item (a flash sale)
#   O2 the same spread over BENCH_ORDER_ITEMS (1,000) items
#   OR orderref.c: the order transaction's writes from plain C, on the hot
#      item and on the many, at the pool's DB concurrency (the ceiling)
#   RC0/RC1 the H2 shape (saturation only) with no anti-fraud rules / with
#      the default pack and BENCH_RULE_EXTRA (200) more: the rules' cost
# For A to D, H1, H2, L, O1 and O2: saturation throughput with wrk (closed loop), then
# latency with openloop.c at 80% of that stage's own saturation rate (open
# loop, timed from the scheduled send, so queueing shows).
#
# The help stages never repeat a (helper, bargain) pair (a 409
# already_helped would be an error): every hot run gets a bargain of its
# own, every run gets its own range of pairs, and the requests (tokens
# minted here with the pool's jwt_secret by helpgen.c) are written to a list
# that openloop -f and wrk's Lua script (written below) send once each. After
# every help run the cut invariants are checked by SQL (PASS/FAIL); after
# every order run the stock invariants (no oversell), the same way.
#
# Environment (set by ./dev): KANJIA_BASE_URL, KANJIA_RUN_DIR, KANJIA_CONF,
# KANJIA_BIN, KANJIA_REPO. Knobs:
#   BENCH_QUICK=1           ~3 minute smoke run (wrk 2 s, the others 1 s, 2 rounds)
#   BENCH_DURATION=6        seconds of each wrk run
#   BENCH_OPEN_DURATION=4   seconds of each open-loop run
#   BENCH_SQL_DURATION=3    seconds of each sqlref and helpref run
#   BENCH_CONNECTIONS=64    connections for A-D (and the open-loop runs)
#   BENCH_WRK_THREADS=2     wrk -t
#   BENCH_ROUNDS=3          rounds (the median of them is reported; 2 quick)
#   BENCH_LOAD_PERCENT=80   open-loop rate, percent of measured saturation
#   BENCH_SQL_THREADS       sqlref connections (default: the pool's workers,
#                           the number of DB connections GET /me can use)
#   BENCH_SHOPPERS=10000    shoppers seeded so the tables are not tiny
#   BENCH_HELPERS=200000    helper shoppers of the help stages (phones 171...)
#   BENCH_HELP_BARGAINS=10000  bargains of H2 and HR-many (owners 172...)
#   BENCH_HELP_RATE_CAP=6000   req/s a help wrk run is given requests for
#                           (its list: cap * BENCH_DURATION; a run that uses
#                           them all is flagged, its rate a lower bound)
#   BENCH_HR_WIDE=64        helpref's second connection count; 0: skip (the
#                           default with BENCH_QUICK)
#   BENCH_ORDER_ITEMS=1000  items of O2 and OR-many (plus one hot item)
#   BENCH_ORDER_RATE_CAP=3000  req/s an order wrk run is given requests for
#   BENCH_RULE_EXTRA=200    rules added to the default pack for RC1
#   BENCH_RULE_HELPERS=50000   helpers of the rule stages (phones 139...)
#   BENCH_RULE_DURATION     seconds of each of the 4 rule runs of a round
#                           (default: half of BENCH_DURATION, rounded up)
#   BENCH_NGINX_PORT        port of the private nginx used only when the
#                           instance's nginx.conf does not include nginx.d/
#                           (default: the instance's port + 1)
# Output: the table on stdout, progress on stderr, every raw tool output in
# $KANJIA_RUN_DIR/bench-out/. Exit 0 when the benchmark ran (a target MISS is
# a result, not a failure, unless BENCH_STRICT=1: then any target not met
# exits 1); 1 when something broke (setup failed, a tool
# failed, a stage answered errors on more than 1% of its requests, a cut or
# stock invariant failed).
set -eEuo pipefail
# `./dev bench workers`: the pool-size sweep (tests/bench/workers.sh).
SWEEP=0
if [[ ${1:-} == workers ]]; then
	SWEEP=1
	shift
fi
# `./dev bench live`: the live-updates stage alone (tests/bench/live.sh).
if [[ ${1:-} == live ]]; then
	shift
	exec bash "$(dirname "${BASH_SOURCE[0]}")/live.sh" "$@"
fi
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

# shellcheck source=tests/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	default_duration=2 default_open=1 default_sql=1 default_rounds=2 default_hr_wide=0 SETTLE=0.2
else
	default_duration=6 default_open=4 default_sql=3 default_rounds=3 default_hr_wide=64 SETTLE=0.5
fi
DURATION=$(knob BENCH_DURATION "$default_duration" 120)
OPEN_DURATION=$(knob BENCH_OPEN_DURATION "$default_open" 120)
SQL_DURATION=$(knob BENCH_SQL_DURATION "$default_sql" 120)
CONNECTIONS=$(knob BENCH_CONNECTIONS 64 4096)
WRK_THREADS=$(knob BENCH_WRK_THREADS 2 64)
ROUNDS=$(knob BENCH_ROUNDS "$default_rounds" 9)
LOAD_PERCENT=$(knob BENCH_LOAD_PERCENT 80 100)
SHOPPERS=$(knob BENCH_SHOPPERS 10000 1000000)
HELPERS=$(knob BENCH_HELPERS 200000 5000000)
HELP_BARGAINS=$(knob BENCH_HELP_BARGAINS 10000 100000)
HELP_RATE_CAP=$(knob BENCH_HELP_RATE_CAP 6000 200000)
ORDER_ITEMS=$(knob BENCH_ORDER_ITEMS 1000 100000)
ORDER_RATE_CAP=$(knob BENCH_ORDER_RATE_CAP 3000 200000)
RULE_EXTRA=$(knob BENCH_RULE_EXTRA 200 1000)
RULE_HELPERS=$(knob BENCH_RULE_HELPERS 50000 1000000)
RULE_DURATION=$(knob BENCH_RULE_DURATION $(((DURATION + 1) / 2)) 120)
HR_WIDE=${BENCH_HR_WIDE:-$default_hr_wide}
[[ $HR_WIDE == 0 ]] || HR_WIDE=$(knob BENCH_HR_WIDE "$default_hr_wide" 1024)
((CONNECTIONS >= WRK_THREADS)) || die "BENCH_CONNECTIONS must be at least BENCH_WRK_THREADS"
# The ratio stages: D at fewer and more connections than the main ones.
LOW_CONNECTIONS=16
HIGH_CONNECTIONS=256
OPEN_DRAIN=5          # seconds an open-loop run waits for stragglers
# SETTLE (above): seconds of quiet between two measurements.
BARE_MAX_SECONDS=1800 # bare_fcgi's own bound, in case this script dies hard

# The verdicts (PASS/MISS/FAIL: numbers compared as numbers, a missing
# value a MISS, a stage with errors a FAIL, throughput of successful
# answers only); BENCH_STRICT=1 turns any target not met into exit 1.
# shellcheck source=tests/bench/verdict.sh
source "$(dirname "${BASH_SOURCE[0]}")/verdict.sh"

# Targets (reported PASS/MISS/FAIL; an exit status only with BENCH_STRICT=1).
TARGET_D_OVER_B_PERCENT=50
TARGET_D_P99_MS=20
# Issue 3's, for the bargain stages.
TARGET_HELP_OVER_REF_PERCENT=75 # H1 / HR-hot and H2 / HR-many
TARGET_L_OVER_B_PERCENT=45
TARGET_BARGAIN_P99_MS=50          # H1, H2, L at 80% of their saturation
TARGET_HIGH_OVER_LOW_PERCENT=80   # H1 at 256 connections vs at 16: within 20%
# The bench item: a huge distance (no bargain reaches the floor in a run),
# cuts of 1-2 fen, no rewards (rewards_json '{}': no coupon insert in the
# help transaction), a daily help limit no helper reaches.
ITEM_PRICE_FEN=10000000000
HOT_OWNERS=200 # owners of hot bargains (phones 173...): one per hot run
# The order items: 9900 fen, stock no run sells out (the hot one takes
# every O1 and OR-hot order of a run).
ORDER_PRICE_FEN=9900
ORDER_HOT_STOCK=100000000
ORDER_STOCK=1000000
# Issue 4's targets.
TARGET_O1_OVER_REF_PERCENT=50 # O1 / OR-hot
TARGET_O2_OVER_REF_PERCENT=60 # O2 / OR-many
TARGET_ORDER_P99_MS=100
# Issue 5's: the rules cost under 10% of the help throughput.
TARGET_RULE_COST_PERCENT=10
RULE_SETTLE=1.5 # seconds for every worker to see a new rule set (it checks once a second)

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
CONF_BACKUP=''
RULES_ON=0
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local i
	set +e
	declare -F php_teardown >/dev/null && php_teardown # launch.sh's PHP-FPM reference
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
	if ((RULES_ON)); then
		db -e "DELETE FROM fraud_rule WHERE pack = 'bench-rules'; UPDATE fraud_state SET version = version + 1 WHERE id = 1"
	fi
	if [[ -n $CONF_BACKUP && -f $CONF_BACKUP ]]; then
		cat "$CONF_BACKUP" >"$CONF" && rm -f "$CONF_BACKUP"
		pool_reload
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
# shellcheck disable=SC2046
cc "${CFLAGS_BENCH[@]}" -pthread $(pkg-config --cflags libmariadb) -o "$BIN_DIR/helpref" "$HERE/helpref.c" "$HERE/benchdb.c" \
	$(pkg-config --libs libmariadb) || die "helpref.c did not compile (libmariadb-dev?)"
# shellcheck disable=SC2046
cc "${CFLAGS_BENCH[@]}" -pthread $(pkg-config --cflags libmariadb) -o "$BIN_DIR/orderref" "$HERE/orderref.c" "$HERE/benchdb.c" \
	$(pkg-config --libs libmariadb) || die "orderref.c did not compile (libmariadb-dev?)"
cc "${CFLAGS_BENCH[@]}" -o "$BIN_DIR/helpgen" "$HERE/helpgen.c" -lcrypto ||
	die "helpgen.c did not compile (libssl-dev?)"

# wrk's script for the help and order stages: requests from a list file
# ($BENCH_LIST, helpgen.c's format, openloop -f's too: a field that starts
# with "{" is the body), thread t of $BENCH_LIST_STRIDE
# sending lines t, t + stride, ... once each. A thread whose share runs out
# stops (and says so in the LIST lines that done() prints): its run's rate
# is then a lower bound.
LIST_LUA=$BIN_DIR/requests.lua
cat >"$LIST_LUA" <<'LUA'
-- Written by tests/bench/run.sh: each request of the list file once.
local next_id = 0
local threads = {}
function setup(thread)
	thread:set("thread_id", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end
function init(args)
	local stride = tonumber(os.getenv("BENCH_LIST_STRIDE"))
	list = {}
	count = 0
	used = 0
	exhausted = 0
	local k = 0
	for line in io.lines(os.getenv("BENCH_LIST")) do
		if k % stride == thread_id then
			local first, rest = line:match("^([^\t]*)(.*)$")
			local method, target = first:match("^(%S+) (%S+)$")
			local headers = {}
			local body = nil
			for header in rest:gmatch("[^\t]+") do
				if header:sub(1, 1) == "{" then
					body = header -- the body: a JSON field after the headers
				else
					local name, value = header:match("^([^:]+):%s*(.*)$")
					headers[name] = value
				end
			end
			if body == nil and method ~= "GET" and method ~= "HEAD" then body = "" end
			count = count + 1
			list[count] = wrk.format(method, target, headers, body)
		end
		k = k + 1
	end
end
function request()
	if used >= count then
		if exhausted == 0 then
			exhausted = 1
			wrk.thread:stop()
		end
		return wrk.format("GET", "/index.html")
	end
	used = used + 1
	return list[used]
end
function done(summary, latency, requests)
	for _, thread in ipairs(threads) do
		io.write(string.format("LIST thread=%d used=%d of=%d exhausted=%d\n", thread:get("thread_id"),
			thread:get("used"), thread:get("count"), thread:get("exhausted")))
	end
end
LUA

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

# ------------------------------------------------------ the bargain data

# The anti-fraud velocity limits on helps and orders (fraud_help_limits,
# by default "ip:30/1h subnet:20/1h device:20/1h"; fraud_order_limits,
# "phone:30/1h ip:60/1h subnet:120/1h device:30/1h") answer 429 to all but
# the first few requests of a load test, which all come from 127.0.0.1.
# ./dev's bench config sets them empty (none); a key it does not set is
# appended empty here for this run, the pool reloads (SIGHUP), and the
# original config is put back and reloaded on exit. The rest of the
# anti-fraud path (the rules, the events, the signature) runs as usual and
# is measured.
LIMITS_NOTE=''
missing_limits=()
for key in fraud_help_limits fraud_order_limits; do
	if grep -Eq "^[[:space:]]*${key}[[:space:]]*=" "$CONF"; then
		LIMITS_NOTE+="${LIMITS_NOTE:+, }$key '$(conf_value "$key" '')' as configured"
	else
		missing_limits+=("$key")
	fi
done
if ((${#missing_limits[@]})); then
	CONF_BACKUP=$RUN/bench-kanjia.conf.orig
	cp -p "$CONF" "$CONF_BACKUP"
	printf '# Added by tests/bench/run.sh for one run: no velocity limits.\n' >>"$CONF"
	for key in "${missing_limits[@]}"; do
		printf '%s =\n' "$key" >>"$CONF"
		LIMITS_NOTE+="${LIMITS_NOTE:+, }$key empty for this run (via SIGHUP)"
	done
	pool_reload || die "the pool did not reload $CONF (with ${missing_limits[*]} empty) within 5 s"
	sleep 1 # the old generation drains
	say "the pool reloaded with no velocity limits (${missing_limits[*]} =)"
	warn "${missing_limits[*]} not in $CONF: set empty for this run; ./dev's bench config should say so"
fi

# One campaign ("kanjia bench"), one item with a huge distance, HELPERS
# helper shoppers (phones 171...), HELP_BARGAINS bargains owned by others
# (172...), hot bargains made one per hot run (owners 173...). All by SQL;
# the previous run's bench bargains and their cuts are deleted first, so
# every run starts with fresh bargains and no pair can repeat.
BARGAIN_DIR=$RUN/bench-bargain
mkdir -p "$BARGAIN_DIR"
rm -f "$BARGAIN_DIR"/*.list
seed_started=$(date +%s)
say "seeding the bargain stages: $HELPERS helpers, $HELP_BARGAINS bargains"
# Shoppers of prefix $1, numbered 1..$2, unless they are there already.
seed_shoppers() {
	local have
	have=$(db -e "SELECT COUNT(*) FROM shopper WHERE phone LIKE '$1%'")
	((have >= $2)) && return 0
	db -e "INSERT IGNORE INTO shopper (phone, created_at) SELECT CONCAT('$1', LPAD(seq, 8, '0')), UTC_TIMESTAMP()
	       FROM seq_1_to_$2" || die "seeding the $1... shoppers failed"
}
seed_shoppers 171 "$HELPERS"
seed_shoppers 172 "$HELP_BARGAINS"
seed_shoppers 173 "$HOT_OWNERS"
CAMPAIGN_ID=$(db -e "SELECT id FROM campaign WHERE title = 'kanjia bench' ORDER BY id LIMIT 1")
if [[ -z $CAMPAIGN_ID ]]; then
	CAMPAIGN_ID=$(db -e "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at)
	                     VALUES ('kanjia bench', UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 30 DAY,
	                             UTC_TIMESTAMP(), UTC_TIMESTAMP());
	                     SELECT LAST_INSERT_ID()")
fi
[[ $CAMPAIGN_ID =~ ^[0-9]+$ ]] || die "no bench campaign"
db -e "UPDATE campaign SET starts_at = UTC_TIMESTAMP() - INTERVAL 1 DAY, ends_at = UTC_TIMESTAMP() + INTERVAL 30 DAY
       WHERE id = $CAMPAIGN_ID" || die "cannot reopen the bench campaign"
ITEM_ID=$(db -e "SELECT id FROM campaign_item WHERE campaign_id = $CAMPAIGN_ID ORDER BY id LIMIT 1")
if [[ -z $ITEM_ID ]]; then
	ITEM_ID=$(db -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
	                   stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day,
	                   helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s,
	                   rewards_json, created_at, updated_at)
	                 VALUES ($CAMPAIGN_ID, 'bench item', '[]', $ITEM_PRICE_FEN, 0, 1000, 1000, 1, 2, NULL, 1,
	                   1000000, 1, NULL, 604800, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP());
	                 SELECT LAST_INSERT_ID()")
fi
[[ $ITEM_ID =~ ^[0-9]+$ ]] || die "no bench item"
old=$(db -e "SELECT COUNT(*) FROM bargain_cut WHERE campaign_id = $CAMPAIGN_ID")
db <<-SQL || die "deleting the previous run's bench bargains failed"
	DELETE FROM bargain_cut WHERE campaign_id = $CAMPAIGN_ID;
	DELETE FROM share_open WHERE campaign_id = $CAMPAIGN_ID;
	DELETE FROM reward_grant WHERE campaign_id = $CAMPAIGN_ID;
	DELETE FROM bargain WHERE campaign_id = $CAMPAIGN_ID;
SQL
# A run tag in the share codes: this run's codes are not the last run's.
RUN_TAG=$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
# The bargain columns a start copies from the item (fcgi/bargain/bargain_routes.c).
BARGAIN_INSERT="INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen,
	current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
	helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at)"
BARGAIN_VALUES="$CAMPAIGN_ID, $ITEM_ID, s.id, SUBSTR(MD5(CONCAT('$RUN_TAG', s.id)), 1, 16), $ITEM_PRICE_FEN, 0,
	$ITEM_PRICE_FEN, 1, 2, NULL, 1, 1000000, NULL, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY"
db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.phone LIKE '172%' ORDER BY s.id
       LIMIT $HELP_BARGAINS" || die "inserting the bench bargains failed"
read -r MANY_LO MANY_HI many_count < <(db -e "SELECT MIN(id), MAX(id), COUNT(*) FROM bargain
	WHERE campaign_id = $CAMPAIGN_ID")
((many_count == HELP_BARGAINS)) || die "expected $HELP_BARGAINS bench bargains, found $many_count"
HELPER_IDS=$BARGAIN_DIR/helpers.ids
MANY_IDS=$BARGAIN_DIR/bargains.ids
MANY_CODES=$BARGAIN_DIR/bargains.codes
db -e "SELECT id FROM shopper WHERE phone LIKE '171%' ORDER BY id LIMIT $HELPERS" >"$HELPER_IDS"
db -e "SELECT id FROM bargain WHERE id BETWEEN $MANY_LO AND $MANY_HI ORDER BY id" >"$MANY_IDS"
db -e "SELECT share_code FROM bargain WHERE id BETWEEN $MANY_LO AND $MANY_HI ORDER BY id" >"$MANY_CODES"
mapfile -t HOT_OWNER_IDS < <(db -e "SELECT id FROM shopper WHERE phone LIKE '173%' ORDER BY id LIMIT $HOT_OWNERS")
((${#HOT_OWNER_IDS[@]} == HOT_OWNERS)) || die "expected $HOT_OWNERS hot bargain owners"
LANDING_CODE=$(head -n 1 "$MANY_CODES")
say "  bench campaign $CAMPAIGN_ID, item $ITEM_ID, bargains $MANY_LO..$MANY_HI; $old old cuts deleted;" \
	"$(($(date +%s) - seed_started))s"

# A fresh hot bargain: sets HOT_ID and HOT_CODE.
HOT_USED=0
new_hot_bargain() {
	((HOT_USED < HOT_OWNERS)) || die "more than $HOT_OWNERS hot runs: raise HOT_OWNERS in run.sh"
	local owner=${HOT_OWNER_IDS[$HOT_USED]}
	HOT_USED=$((HOT_USED + 1))
	read -r HOT_ID HOT_CODE < <(db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.id = $owner;
		SELECT id, share_code FROM bargain WHERE id = LAST_INSERT_ID()")
	[[ $HOT_ID =~ ^[0-9]+$ && ${#HOT_CODE} == 16 ]] || die "making a hot bargain failed"
}

# The next unused index of the pairs over the many bargains (helpgen.c).
MANY_NEXT=0
# Writes a list of $3 help requests to $1: $2 hot (on HOT_CODE) or many.
make_list() {
	local file=$1 mode=$2 count=$3
	if [[ $mode == hot ]]; then
		((count <= HELPERS)) || die "a hot run needs $count helpers: raise BENCH_HELPERS"
		"$BIN_DIR/helpgen" -f "$CONF" -H "$HELPER_IDS" -m hot -c "$HOT_CODE" -o 0 -n "$count" >"$file" ||
			die "helpgen failed"
	else
		"$BIN_DIR/helpgen" -f "$CONF" -H "$HELPER_IDS" -m many -B "$MANY_CODES" -o "$MANY_NEXT" -n "$count" \
			>"$file" || die "helpgen failed"
		MANY_NEXT=$((MANY_NEXT + count))
	fi
}

# One help through the API, and the landing, before anything is measured.
new_hot_bargain
make_list "$BARGAIN_DIR/smoke.list" hot 1
smoke_token=$(sed -n 's/.*Authorization: Bearer \([^\t]*\).*/\1/p' "$BARGAIN_DIR/smoke.list")
code=$(curl -s -o "$OUT/help-smoke.txt" -w '%{http_code}' --max-time 10 -X POST \
	-H "Authorization: Bearer $smoke_token" "$BASE/api/v1/s/$HOT_CODE/help" || true)
[[ $code == 200 ]] || die "POST /api/v1/s/$HOT_CODE/help with a minted token answered $code: $(cat "$OUT/help-smoke.txt")"
code=$(http_code "$BASE/api/v1/s/$LANDING_CODE")
[[ $code == 200 ]] || die "GET /api/v1/s/$LANDING_CODE answered $code"

# ------------------------------------------------------ the order data

# The order stages (O1, O2, OR): campaign "kanjia bench orders" with one
# hot item (a flash sale) and ORDER_ITEMS others, each priced 9900 fen,
# with stock no run sells out. The previous run's bench orders (their
# lines, discounts, events, payments and Idempotency-Keys) are deleted and
# the items' stock reset, so the stock check below starts from a clean
# state. The shoppers are the help stages' helpers (phones 171...); every
# request has its own Idempotency-Key (run tag and index).
ORDER_DIR=$RUN/bench-order
mkdir -p "$ORDER_DIR"
rm -f "$ORDER_DIR"/*.list
seed_started=$(date +%s)
say "seeding the order stages: 1 hot item and $ORDER_ITEMS others"
ORDER_CAMPAIGN_ID=$(db -e "SELECT id FROM campaign WHERE title = 'kanjia bench orders' ORDER BY id LIMIT 1")
if [[ -z $ORDER_CAMPAIGN_ID ]]; then
	ORDER_CAMPAIGN_ID=$(db -e "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at)
	                           VALUES ('kanjia bench orders', UTC_TIMESTAMP() - INTERVAL 1 DAY,
	                                   UTC_TIMESTAMP() + INTERVAL 30 DAY, UTC_TIMESTAMP(), UTC_TIMESTAMP());
	                           SELECT LAST_INSERT_ID()")
fi
[[ $ORDER_CAMPAIGN_ID =~ ^[0-9]+$ ]] || die "no bench order campaign"
have=$(db -e "SELECT COUNT(*) FROM campaign_item WHERE campaign_id = $ORDER_CAMPAIGN_ID")
if ((have < ORDER_ITEMS + 1)); then
	db -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
	         stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day,
	         helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s,
	         rewards_json, created_at, updated_at)
	       SELECT $ORDER_CAMPAIGN_ID, CONCAT('bench order item ', seq), '[]', $ORDER_PRICE_FEN, 0, 0, 0, 1, 2, NULL,
	         1, 1, 1, NULL, 86400, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP()
	       FROM seq_1_to_$((ORDER_ITEMS + 1 - have))" || die "seeding the bench order items failed"
fi
old=$(db -e "SELECT COUNT(*) FROM orders WHERE campaign_id = $ORDER_CAMPAIGN_ID")
db <<-SQL || die "deleting the previous run's bench orders failed"
	UPDATE campaign SET starts_at = UTC_TIMESTAMP() - INTERVAL 1 DAY, ends_at = UTC_TIMESTAMP() + INTERVAL 30 DAY
	  WHERE id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_event x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_line x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_discount x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_promotion x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_gift x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_subsidy x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_share x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM order_points_cash x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM payment x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE x FROM idempotency_key x JOIN orders o ON o.id = x.order_id WHERE o.campaign_id = $ORDER_CAMPAIGN_ID;
	DELETE FROM idempotency_key WHERE idem_key LIKE 'bench-%';
	DELETE FROM orders WHERE campaign_id = $ORDER_CAMPAIGN_ID;
	SET @hot = (SELECT MIN(id) FROM campaign_item WHERE campaign_id = $ORDER_CAMPAIGN_ID);
	UPDATE campaign_item SET stock_total = IF(id = @hot, $ORDER_HOT_STOCK, $ORDER_STOCK),
	                         stock_left = stock_total, stock_reserved = 0, stock_sold = 0
	  WHERE campaign_id = $ORDER_CAMPAIGN_ID;
SQL
ORDER_HOT_IDS=$ORDER_DIR/hot.ids
ORDER_MANY_IDS=$ORDER_DIR/many.ids
db -e "SELECT id FROM campaign_item WHERE campaign_id = $ORDER_CAMPAIGN_ID ORDER BY id LIMIT 1" >"$ORDER_HOT_IDS"
db -e "SELECT id FROM campaign_item WHERE campaign_id = $ORDER_CAMPAIGN_ID ORDER BY id LIMIT 1, $ORDER_ITEMS" \
	>"$ORDER_MANY_IDS"
ORDER_HOT_ITEM=$(cat "$ORDER_HOT_IDS")
[[ $ORDER_HOT_ITEM =~ ^[0-9]+$ && $(grep -c '' "$ORDER_MANY_IDS") == "$ORDER_ITEMS" ]] ||
	die "expected 1 + $ORDER_ITEMS bench order items"
say "  order campaign $ORDER_CAMPAIGN_ID, hot item $ORDER_HOT_ITEM; $old old orders deleted; $(($(date +%s) - seed_started))s"

# The next unused order index (helpgen.c -m orders, orderref.c): shopper
# j mod HELPERS, item j mod the items, Idempotency-Key bench-RUN_TAG-j.
ORDER_NEXT=0
# Writes a list of $3 order requests to $1: $2 hot or many.
make_order_list() {
	local file=$1 mode=$2 count=$3 items=$ORDER_MANY_IDS
	[[ $mode == hot ]] && items=$ORDER_HOT_IDS
	"$BIN_DIR/helpgen" -f "$CONF" -H "$HELPER_IDS" -m orders -I "$items" -k "bench-$RUN_TAG" -o "$ORDER_NEXT" \
		-n "$count" >"$file" || die "helpgen -m orders failed"
	ORDER_NEXT=$((ORDER_NEXT + count))
}

# One order through the API before anything is measured.
make_order_list "$ORDER_DIR/smoke.list" hot 1
IFS=$'\t' read -r _ smoke_auth smoke_key _ smoke_body <"$ORDER_DIR/smoke.list"
code=$(curl -s -o "$OUT/order-smoke.txt" -w '%{http_code}' --max-time 10 -X POST -H "$smoke_auth" -H "$smoke_key" \
	-H 'Content-Type: application/json' -d "$smoke_body" "$BASE/api/v1/orders" || true)
[[ $code == 201 ]] || die "POST /api/v1/orders with a minted token answered $code: $(cat "$OUT/order-smoke.txt")"

# sql/004_orders.sql gives order_line no foreign key to campaign_item (its
# check takes a shared lock on the item row, and two orders holding it and
# then both wanting the row for the stock UPDATE deadlock). A database
# migrated from an older draft of that file may still have one.
SCHEMA_NOTE=''
fk=$(db -e "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
	AND TABLE_NAME = 'order_line' AND REFERENCED_TABLE_NAME = 'campaign_item'")
if ((fk > 0)); then
	SCHEMA_NOTE="this database's order_line has a foreign key to campaign_item that sql/004_orders.sql does not (an older draft): every order takes a shared lock on its item row and the hot item deadlocks; rebuild it (./dev down bench; rm -rf .run/bench)"
	warn "$SCHEMA_NOTE"
fi

# The rule stages' helpers (phones 139..., see rule_stage below).
seed_shoppers 139 "$RULE_HELPERS"
RULE_HELPER_IDS=$BARGAIN_DIR/rule-helpers.ids
db -e "SELECT id FROM shopper WHERE phone LIKE '139%' ORDER BY id LIMIT $RULE_HELPERS" >"$RULE_HELPER_IDS"
RULES_BEFORE=$(db -e "SELECT COUNT(*) FROM fraud_rule WHERE enabled = 1 AND COALESCE(pack, '') <> 'bench-rules'")
if ((RULES_BEFORE > 0)); then
	warn "$RULES_BEFORE fraud rules are enabled already: RC0 (\"no rules\") runs with them"
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

# The server's counters: "statements log_fsyncs row_lock_waits
# row_lock_time_ms" (global status; this query's own statements are noise).
db_counters() {
	db -e "SELECT SUM(IF(VARIABLE_NAME = 'QUESTIONS', VARIABLE_VALUE, 0)),
	              SUM(IF(VARIABLE_NAME = 'INNODB_DATA_FSYNCS', VARIABLE_VALUE, 0)),
	              SUM(IF(VARIABLE_NAME = 'INNODB_ROW_LOCK_WAITS', VARIABLE_VALUE, 0)),
	              SUM(IF(VARIABLE_NAME = 'INNODB_ROW_LOCK_TIME', VARIABLE_VALUE, 0))
	       FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN
	         ('QUESTIONS', 'INNODB_DATA_FSYNCS', 'INNODB_ROW_LOCK_WAITS', 'INNODB_ROW_LOCK_TIME')" | tr '\t' ' '
}
# The database's work per request since counters $1, over $2 requests:
# "statements fsyncs row_lock_waits mean_wait_ms".
db_per_request() {
	awk -v b="$1" -v a="$(db_counters)" -v n="$2" 'BEGIN {
		split(b, x, " "); split(a, y, " "); if (n < 1) n = 1
		w = y[3] - x[3]
		printf "%.1f %.2f %.2f %.2f\n", (y[1] - x[1]) / n, (y[2] - x[2]) / n, w / n, (w > 0 ? (y[4] - x[4]) / w : 0)
	}'
}

# wrk's saturation run: sets SAT_RATE and SAT_ERRORS, log in $OUT.
# $1 file tag, $2 url, $3 connections, rest: extra wrk arguments.
saturate() {
	local tag=$1 url=$2 connections=$3 log
	shift 3
	log=$OUT/$tag-wrk.txt
	local threads=$WRK_THREADS
	((threads > connections)) && threads=$connections
	export BENCH_LIST_STRIDE=$threads # for $LIST_LUA: one share of the list per thread
	local counters
	counters=$(db_counters)
	cpu_snapshot "$OUT/cpu-before"
	local seconds=${SAT_SECONDS:-$DURATION}
	timeout $((seconds + 30)) wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s "$@" "$url" \
		>"$log" 2>&1 || die "wrk failed on $url (see $log)"
	cpu_snapshot "$OUT/cpu-after"
	SAT_CPU=$(cpu_split "$OUT/cpu-before" "$OUT/cpu-after")
	printf '%s\n' "$SAT_CPU" >"$OUT/$tag-cpu.txt"
	# Successful answers per second: an error answer is not throughput.
	SAT_RATE=$(ok_rate "$log")
	[[ -n $SAT_RATE ]] || die "no request count and duration in $log"
	SAT_ERRORS=$(awk '
		/Non-2xx or 3xx responses:/ { e += $NF }
		/Socket errors:/ { gsub(",", ""); e += $4 + $6 + $8 + $10 }
		END { print e + 0 }' "$log")
	SAT_TOTAL=$(awk '/requests in/ { print $1 }' "$log")
	SAT_OK=$((SAT_TOTAL - $(awk '/Non-2xx or 3xx responses:/ { e += $NF } END { print e + 0 }' "$log")))
	SAT_DB=$(db_per_request "$counters" "$SAT_TOTAL")
	printf '%s\n' "$SAT_DB" >"$OUT/$tag-db.txt"
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
	OPEN_BAD=$(result_field "$line" bad_status)
	OPEN_TIMEOUTS=$(result_field "$line" timeouts)
	sleep "$SETTLE"
}

# The value of key $2 in a "RESULT k=v ..." line $1.
result_field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# $1 as a percentage of $2 ("-" if $2 is not positive).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "-" }'; }

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
	RESULT[$name:$round:db]=$SAT_DB
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
	RESULT[$name:$round:db]=$SAT_DB
	say "  $name: $SAT_RATE req/s saturated at $connections connections; errors $SAT_ERRORS"
}

stage_sql() {
	local round=$1 log=$OUT/R-r$1-sqlref.txt line counters
	counters=$(db_counters)
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
	RESULT[R:$round:db]=$(db_per_request "$counters" "${RESULT[R:$round:requests]}")
	say "  R: ${RESULT[R:$round:rate]} tx/s at $SQL_THREADS connections; p50 ${RESULT[R:$round:p50]} ms," \
		"p99 ${RESULT[R:$round:p99]} ms; errors ${RESULT[R:$round:errors]}"
	sleep "$SETTLE"
}

# ------------------------------------------------------ bargain stages

# The helps recorded on bargains $1..$2 (from the bargain rows).
helps_on() { db -e "SELECT COALESCE(SUM(helpers), 0) FROM bargain WHERE id BETWEEN $1 AND $2"; }

# The cut invariants after a help run on bargains $2..$3, for stage key $1:
# every bargain's cuts sum to original - current, current >= floor,
# helpers = its help rows, no (bargain, helper) twice; and the help rows the
# run added ($4 before it) are at least the $5 helps answered 2xx and at
# most $6 more (requests in flight when the load tool stopped). Stores
# PASS/FAIL in RESULT[$1:check] and says why in $OUT/checks.txt.
check_helps() {
	local key=$1 lo=$2 hi=$3 before=$4 ok=$5 slack=$6 line verdict=PASS
	local bargains bad_sum bad_floor bad_helpers helps dups added
	line=$(db -e "SELECT COUNT(*),
	                COALESCE(SUM(COALESCE(k.total, 0) <> b.original_price_fen - b.current_price_fen), 0),
	                COALESCE(SUM(b.current_price_fen < b.floor_price_fen), 0),
	                COALESCE(SUM(b.helpers <> COALESCE(k.helps, 0)), 0),
	                COALESCE(SUM(k.helps), 0)
	              FROM bargain b LEFT JOIN (
	                SELECT bargain_id, SUM(cut_fen) AS total, SUM(kind = 'help') AS helps FROM bargain_cut
	                WHERE bargain_id BETWEEN $lo AND $hi GROUP BY bargain_id) k ON k.bargain_id = b.id
	              WHERE b.id BETWEEN $lo AND $hi;
	              SELECT COUNT(*) FROM (SELECT 1 FROM bargain_cut WHERE bargain_id BETWEEN $lo AND $hi
	                AND helper_id IS NOT NULL GROUP BY bargain_id, helper_id HAVING COUNT(*) > 1) d" | tr '\n\t' '  ')
	read -r bargains bad_sum bad_floor bad_helpers helps dups <<<"$line"
	added=$((helps - before))
	if ((bad_sum || bad_floor || bad_helpers || dups || added < ok || added > ok + slack)); then
		verdict=FAIL
	fi
	RESULT[$key:check]=$verdict
	printf '%s %s: %s bargains; sum != original-current: %s, current < floor: %s, helpers != help rows: %s, duplicate (bargain, helper): %s; help rows added %s for %s answered 2xx (+ up to %s in flight)\n' \
		"$verdict" "$key" "$bargains" "$bad_sum" "$bad_floor" "$bad_helpers" "$dups" "$added" "$ok" "$slack" >>"$OUT/checks.txt"
	[[ $verdict == PASS ]] || warn "correctness check FAILED after $key (see $OUT/checks.txt)"
}

# A help stage in round $2: $1 H1 (a fresh hot bargain per run) or H2 (the
# many), wrk at $3 connections; unless $4 is "saturation", then the open
# loop at LOAD_PERCENT of that rate.
help_stage() {
	local name=$1 round=$2 connections=$3 only=${4:-} mode=many lo=$MANY_LO hi=$MANY_HI before
	local key=$name:$round list=$BARGAIN_DIR/run.list rate count
	if [[ $name == H1* ]]; then
		mode=hot
		new_hot_bargain
		lo=$HOT_ID hi=$HOT_ID
	fi
	make_list "$list" "$mode" $((HELP_RATE_CAP * DURATION))
	before=$(helps_on "$lo" "$hi")
	export BENCH_LIST=$list
	saturate "$name-r$round" "$BASE/" "$connections" -s "$LIST_LUA"
	if grep -q 'exhausted=1' "$OUT/$name-r$round-wrk.txt"; then
		warn "$name round $round used its whole list of $((HELP_RATE_CAP * DURATION)) requests: its rate is a" \
			"lower bound (raise BENCH_HELP_RATE_CAP)"
		RESULT[$key:exhausted]=1
	fi
	check_helps "$key:sat" "$lo" "$hi" "$before" "$SAT_OK" "$connections"
	RESULT[$key:rate]=$SAT_RATE
	RESULT[$key:errors]=$SAT_ERRORS
	RESULT[$key:requests]=$SAT_TOTAL
	RESULT[$key:cpu]=$SAT_CPU
	RESULT[$key:db]=$SAT_DB
	RESULT[$key:check]=${RESULT[$key:sat:check]}
	if [[ $only == saturation ]]; then
		say "  $name: $SAT_RATE help/s saturated at $connections connections; errors $SAT_ERRORS;" \
			"check ${RESULT[$key:check]}"
		return
	fi
	# The open loop: a list of exactly what it will send, on a fresh hot
	# bargain for H1.
	rate=$(awk -v r="$SAT_RATE" -v p="$LOAD_PERCENT" 'BEGIN { x = r * p / 100; if (x < 1) x = 1; printf "%.1f", x }')
	count=$(awk -v r="$rate" -v d="$OPEN_DURATION" 'BEGIN { printf "%d", r * d + 2 }')
	if [[ $mode == hot ]]; then
		new_hot_bargain
		lo=$HOT_ID hi=$HOT_ID
	fi
	make_list "$list" "$mode" "$count"
	before=$(helps_on "$lo" "$hi")
	open_loop "$name-r$round" "$BASE/" "$SAT_RATE" -f "$list"
	check_helps "$key:open" "$lo" "$hi" "$before" $((OPEN_TOTAL - OPEN_BAD)) $((CONNECTIONS + OPEN_TIMEOUTS))
	RESULT[$key:p50]=$OPEN_P50
	RESULT[$key:p99]=$OPEN_P99
	RESULT[$key:errors]=$((SAT_ERRORS + OPEN_ERRORS))
	RESULT[$key:requests]=$((SAT_TOTAL + OPEN_TOTAL))
	RESULT[$key:open]=$OPEN_RATE/$OPEN_TARGET
	if [[ ${RESULT[$key:open:check]} != PASS ]]; then
		RESULT[$key:check]=FAIL
	fi
	say "  $name: $SAT_RATE help/s saturated; at $OPEN_TARGET req/s: p50 $OPEN_P50 ms, p99 $OPEN_P99 ms;" \
		"errors $((SAT_ERRORS + OPEN_ERRORS)); check ${RESULT[$key:check]}"
}

# helpref in round $2 as stage $1: $3 hot or many, $4 connections.
stage_helpref() {
	local name=$1 round=$2 mode=$3 threads=$4 key=$1:$2 log=$OUT/$1-r$2-helpref.txt line
	local cap=$((20000 * SQL_DURATION)) lo=$MANY_LO hi=$MANY_HI before counters target
	if [[ $mode == hot ]]; then
		((cap > HELPERS)) && cap=$HELPERS
		new_hot_bargain
		lo=$HOT_ID hi=$HOT_ID
		target=(-m hot -b "$HOT_ID" -o 0)
	else
		target=(-m many -B "$MANY_IDS" -o "$MANY_NEXT")
		MANY_NEXT=$((MANY_NEXT + cap))
	fi
	before=$(helps_on "$lo" "$hi")
	counters=$(db_counters)
	cpu_snapshot "$OUT/cpu-before"
	timeout $((SQL_DURATION + 30)) "$BIN_DIR/helpref" -f "$CONF" -S "$DB_SOCKET" -H "$HELPER_IDS" "${target[@]}" \
		-n "$cap" -c "$threads" -d "$SQL_DURATION" >"$log" 2>&1 || die "helpref failed (see $log)"
	cpu_snapshot "$OUT/cpu-after"
	RESULT[$key:cpu]=$(cpu_split "$OUT/cpu-before" "$OUT/cpu-after")
	line=$(grep '^RESULT ' "$log") || die "no RESULT line in $log"
	local metric
	for metric in rate p50 p99 errors answered hold_min_ms hold_max_ms exhausted; do
		RESULT[$key:$metric]=$(result_field "$line" "$metric")
	done
	RESULT[$key:requests]=${RESULT[$key:answered]}
	RESULT[$key:db]=$(db_per_request "$counters" "${RESULT[$key:answered]}")
	if [[ ${RESULT[$key:exhausted]} == 1 ]]; then
		warn "$name round $round ran out of pairs: its rate is a lower bound"
	fi
	check_helps "$key" "$lo" "$hi" "$before" "${RESULT[$key:answered]}" 0
	say "  $name: ${RESULT[$key:rate]} tx/s at $threads connections; p50 ${RESULT[$key:p50]} ms," \
		"p99 ${RESULT[$key:p99]} ms; lock held ${RESULT[$key:hold_min_ms]}-${RESULT[$key:hold_max_ms]} ms;" \
		"errors ${RESULT[$key:errors]}; check ${RESULT[$key:check]}"
	sleep "$SETTLE"
}

# ------------------------------------------------------- order stages

orders_placed() { db -e "SELECT COUNT(*) FROM orders WHERE campaign_id = $ORDER_CAMPAIGN_ID"; }

# The stock invariants after an order run, for stage key $1, over every
# bench order item: stock_total = left + reserved + sold and as seeded (no
# unit made or lost), no negative column, stock_reserved = the units of the
# item's pending_payment orders (no oversell: every reserved unit is an
# order's, every order's unit is reserved); and the orders the run added
# ($2 before it) are at least the $3 answered 201 and at most $4 more (in
# flight when the tool stopped). Stores PASS/FAIL in RESULT[$1:check] and
# says why in $OUT/order-checks.txt.
check_orders() {
	local key=$1 before=$2 ok=$3 slack=$4 line verdict=PASS items bad_sum bad_negative bad_reserved bad_total
	local placed added
	line=$(db -e "SELECT COUNT(*),
	                COALESCE(SUM(i.stock_total <> i.stock_left + i.stock_reserved + i.stock_sold), 0),
	                COALESCE(SUM(i.stock_left < 0 OR i.stock_reserved < 0 OR i.stock_sold < 0), 0),
	                COALESCE(SUM(i.stock_reserved <> COALESCE(p.qty, 0)), 0),
	                COALESCE(SUM(i.stock_total <> IF(i.id = $ORDER_HOT_ITEM, $ORDER_HOT_STOCK, $ORDER_STOCK)), 0)
	              FROM campaign_item i LEFT JOIN (
	                SELECT l.item_id, SUM(l.qty) AS qty FROM orders o JOIN order_line l ON l.order_id = o.id
	                WHERE o.campaign_id = $ORDER_CAMPAIGN_ID AND o.status = 'pending_payment' GROUP BY l.item_id) p
	                ON p.item_id = i.id
	              WHERE i.campaign_id = $ORDER_CAMPAIGN_ID;
	              SELECT COUNT(*) FROM orders WHERE campaign_id = $ORDER_CAMPAIGN_ID" | tr '\n\t' '  ')
	read -r items bad_sum bad_negative bad_reserved bad_total placed <<<"$line"
	added=$((placed - before))
	if ((items != ORDER_ITEMS + 1 || bad_sum || bad_negative || bad_reserved || bad_total || added < ok ||
		added > ok + slack)); then
		verdict=FAIL
	fi
	RESULT[$key:check]=$verdict
	printf '%s %s: %s items; total != left+reserved+sold: %s, negative: %s, reserved != pending units: %s, total changed: %s; orders added %s for %s answered 201 (+ up to %s in flight)\n' \
		"$verdict" "$key" "$items" "$bad_sum" "$bad_negative" "$bad_reserved" "$bad_total" "$added" "$ok" "$slack" \
		>>"$OUT/order-checks.txt"
	[[ $verdict == PASS ]] || warn "stock check FAILED after $key (see $OUT/order-checks.txt)"
}

# An order stage in round $2: $1 O1 (the hot item) or O2 (the many), wrk
# at $3 connections, then the open loop at LOAD_PERCENT of that rate.
order_stage() {
	local name=$1 round=$2 connections=$3 mode=many before key=$1:$2 list=$ORDER_DIR/run.list rate count
	[[ $name == O1* ]] && mode=hot
	make_order_list "$list" "$mode" $((ORDER_RATE_CAP * DURATION))
	before=$(orders_placed)
	export BENCH_LIST=$list
	saturate "$name-r$round" "$BASE/" "$connections" -s "$LIST_LUA"
	if grep -q 'exhausted=1' "$OUT/$name-r$round-wrk.txt"; then
		warn "$name round $round used its whole list of $((ORDER_RATE_CAP * DURATION)) requests: its rate is a" \
			"lower bound (raise BENCH_ORDER_RATE_CAP)"
		RESULT[$key:exhausted]=1
	fi
	check_orders "$key:sat" "$before" "$SAT_OK" "$connections"
	RESULT[$key:rate]=$SAT_RATE
	RESULT[$key:cpu]=$SAT_CPU
	RESULT[$key:db]=$SAT_DB
	rate=$(awk -v r="$SAT_RATE" -v p="$LOAD_PERCENT" 'BEGIN { x = r * p / 100; if (x < 1) x = 1; printf "%.1f", x }')
	count=$(awk -v r="$rate" -v d="$OPEN_DURATION" 'BEGIN { printf "%d", r * d + 2 }')
	make_order_list "$list" "$mode" "$count"
	before=$(orders_placed)
	open_loop "$name-r$round" "$BASE/" "$SAT_RATE" -f "$list"
	check_orders "$key:open" "$before" $((OPEN_TOTAL - OPEN_BAD)) $((CONNECTIONS + OPEN_TIMEOUTS))
	db -e 'SHOW ENGINE INNODB STATUS' | sed 's/\\n/\n/g' >"$OUT/$name-r$round-innodb.txt" 2>&1 || true
	RESULT[$key:p50]=$OPEN_P50
	RESULT[$key:p99]=$OPEN_P99
	RESULT[$key:errors]=$((SAT_ERRORS + OPEN_ERRORS))
	RESULT[$key:requests]=$((SAT_TOTAL + OPEN_TOTAL))
	RESULT[$key:open]=$OPEN_RATE/$OPEN_TARGET
	RESULT[$key:check]=PASS
	if [[ ${RESULT[$key:sat:check]} != PASS || ${RESULT[$key:open:check]} != PASS ]]; then
		RESULT[$key:check]=FAIL
	fi
	say "  $name: $SAT_RATE orders/s saturated; at $OPEN_TARGET req/s: p50 $OPEN_P50 ms, p99 $OPEN_P99 ms;" \
		"errors $((SAT_ERRORS + OPEN_ERRORS)); stock check ${RESULT[$key:check]}"
}

# orderref in round $2 as stage $1: $3 hot or many, $4 connections.
stage_orderref() {
	local name=$1 round=$2 mode=$3 threads=$4 key=$1:$2 log=$OUT/$1-r$2-orderref.txt line
	local cap=$((20000 * SQL_DURATION)) items=$ORDER_MANY_IDS before counters metric
	[[ $mode == hot ]] && items=$ORDER_HOT_IDS
	before=$(orders_placed)
	counters=$(db_counters)
	cpu_snapshot "$OUT/cpu-before"
	timeout $((SQL_DURATION + 30)) "$BIN_DIR/orderref" -f "$CONF" -S "$DB_SOCKET" -H "$HELPER_IDS" -I "$items" \
		-C "$ORDER_CAMPAIGN_ID" -o "$ORDER_NEXT" -n "$cap" -c "$threads" -d "$SQL_DURATION" >"$log" 2>&1 ||
		die "orderref failed (see $log)"
	ORDER_NEXT=$((ORDER_NEXT + cap))
	cpu_snapshot "$OUT/cpu-after"
	RESULT[$key:cpu]=$(cpu_split "$OUT/cpu-before" "$OUT/cpu-after")
	line=$(grep '^RESULT ' "$log") || die "no RESULT line in $log"
	for metric in rate p50 p99 errors answered hold_min_ms hold_max_ms exhausted; do
		RESULT[$key:$metric]=$(result_field "$line" "$metric")
	done
	RESULT[$key:requests]=${RESULT[$key:answered]}
	RESULT[$key:db]=$(db_per_request "$counters" "${RESULT[$key:answered]}")
	if [[ ${RESULT[$key:exhausted]} == 1 ]]; then
		warn "$name round $round did all its $cap transactions: its rate is a lower bound"
	fi
	check_orders "$key" "$before" "${RESULT[$key:answered]}" 0
	# InnoDB's view of the hot row after the run (its latest deadlock).
	db -e 'SHOW ENGINE INNODB STATUS' | sed 's/\\n/\n/g' >"$OUT/$name-r$round-innodb.txt" 2>&1 || true
	say "  $name: ${RESULT[$key:rate]} tx/s at $threads connections; p50 ${RESULT[$key:p50]} ms," \
		"p99 ${RESULT[$key:p99]} ms; lock held ${RESULT[$key:hold_min_ms]}-${RESULT[$key:hold_max_ms]} ms;" \
		"errors ${RESULT[$key:errors]}; stock check ${RESULT[$key:check]}"
	sleep "$SETTLE"
}

# ------------------------------------------------------ rule cost stages

# The rule stages (RC0, RC1): the H2 shape (helps spread over the many
# bargains, saturation only) with no rules and with the default pack
# (sql/fraud_pack.json) plus RULE_EXTRA extra rules, in every round in the
# order RC0 RC1 RC1 RC0, so the ratio RC1/RC0 is the rules' cost. The
# extra rules are patterns that never match bench traffic, on phone, ip,
# user_agent and signature, scope help, action block (a rule that matched
# by mistake would show as errors). Their helpers are phones
# 139... (RULE_HELPERS of them): the default pack's phone rule would send
# the 171... helpers to review, which measures holds, not rule checks. The
# rules are inserted by SQL with pack 'bench-rules' and fraud_state.version
# raised (each worker reloads within a second, run.sh waits RULE_SETTLE
# seconds), and deleted after the round's RC1 runs and on exit.
RULE_NEXT=0
rules_version() { db -e "SELECT version FROM fraud_state WHERE id = 1"; }
rules_on() {
	local pack
	# The pack file as an SQL string literal.
	pack=$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$REPO/sql/fraud_pack.json")
	RULES_ON=1
	{
		printf "SET @pack = '%s';\nSET @extra = %d;\n" "$pack" "$RULE_EXTRA"
		cat <<-'SQL'
			INSERT INTO fraud_rule (field, pattern, action, scope, enabled, note, pack, created_at, updated_at)
			  SELECT j.field, j.pattern, j.action,
			         REPLACE(REPLACE(REPLACE(REPLACE(JSON_EXTRACT(@pack, CONCAT('$.rules[', j.n - 1, '].scope')),
			           '[', ''), ']', ''), '"', ''), ' ', ''),
			         1, 'bench: a copy of the default pack', 'bench-rules', UTC_TIMESTAMP(), UTC_TIMESTAMP()
			  FROM JSON_TABLE(@pack, '$.rules[*]' COLUMNS (n FOR ORDINALITY, field VARCHAR(16) PATH '$.field',
			         pattern VARCHAR(1000) PATH '$.pattern', action VARCHAR(16) PATH '$.action')) j;
			INSERT INTO fraud_rule (field, pattern, action, scope, enabled, note, pack, created_at, updated_at)
			  SELECT ELT(1 + seq % 4, 'phone', 'ip', 'user_agent', 'signature'),
			         ELT(1 + seq % 4,
			           CONCAT('^10[0-9]{2}', LPAD(seq, 4, '0'), '$|(?:', LPAD(seq, 4, '0'), ')-'),
			           CONCAT('^(?:10|192\\.168|172\\.(?:1[6-9]|2[0-9]|3[01]))\\.', seq % 256, '\\.'),
			           CONCAT('(?i)(?:spider|crawler|bot)[-/ ]', LPAD(seq, 4, '0')),
			           CONCAT('(?:[DSV]{2}){', 2 + seq DIV 4, ',}')),
			         'block', 'help', 1, 'bench: never matches bench traffic', 'bench-rules', UTC_TIMESTAMP(),
			         UTC_TIMESTAMP()
			  FROM seq_1_to_1000 WHERE seq <= @extra;
			UPDATE fraud_state SET version = version + 1 WHERE id = 1;
		SQL
	} | db || die "inserting the bench rules failed"
	sleep "$RULE_SETTLE"
}
rules_off() {
	RULES_ON=0
	db -e "DELETE FROM fraud_rule WHERE pack = 'bench-rules'; UPDATE fraud_state SET version = version + 1 WHERE id = 1" ||
		die "deleting the bench rules failed"
	sleep "$RULE_SETTLE"
}

# One rule run in round $2: $1 RC0 (no rules) or RC1 (the rules: the
# caller has put them in), part $3 (a or b), wrk for RULE_DURATION seconds
# at CONNECTIONS over the many bargains, the cut invariants checked after.
rule_run() {
	local name=$1 round=$2 part=$3 key=$1$3:$2 list=$BARGAIN_DIR/run.list before count
	count=$((HELP_RATE_CAP * RULE_DURATION))
	"$BIN_DIR/helpgen" -f "$CONF" -H "$RULE_HELPER_IDS" -m many -B "$MANY_CODES" -o "$RULE_NEXT" -n "$count" \
		>"$list" || die "helpgen failed"
	RULE_NEXT=$((RULE_NEXT + count))
	before=$(helps_on "$MANY_LO" "$MANY_HI")
	export BENCH_LIST=$list
	SAT_SECONDS=$RULE_DURATION saturate "$name$part-r$round" "$BASE/" "$CONNECTIONS" -s "$LIST_LUA"
	if grep -q 'exhausted=1' "$OUT/$name$part-r$round-wrk.txt"; then
		warn "$name$part round $round used its whole list: its rate is a lower bound (raise BENCH_HELP_RATE_CAP)"
	fi
	check_helps "$key" "$MANY_LO" "$MANY_HI" "$before" "$SAT_OK" "$CONNECTIONS"
	RESULT[$key:rate]=$SAT_RATE
	RESULT[$key:errors]=$SAT_ERRORS
	RESULT[$key:requests]=$SAT_TOTAL
	RESULT[$key:cpu]=$SAT_CPU
	RESULT[$key:db]=$SAT_DB
	say "  $name$part: $SAT_RATE help/s saturated; errors $SAT_ERRORS; check ${RESULT[$key:check]}"
}

# The rule stages of round $1, in the order RC0 RC1 RC1 RC0 (so a drift
# of the machine's load during the round weighs on both alike); RC0 and
# RC1 of the round are the mean of their two runs.
rule_round() {
	local round=$1 version stage
	# Every run starts after the same pause (rules_on and rules_off wait
	# RULE_SETTLE), so none inherits more of the last stage's background
	# work (purge, page flushing) than the others.
	sleep "$RULE_SETTLE"
	rule_run RC0 "$round" a
	rules_on
	version=$(rules_version)
	rule_run RC1 "$round" a
	sleep "$RULE_SETTLE"
	rule_run RC1 "$round" b
	# What the workers compiled: their log lines for this version
	# (recycled workers log theirs too).
	RESULT[RC1:$round:loaded]=$(grep -o "rule set version $version: [0-9]* rules ([0-9]* skipped)" \
		"$RUN/kanjiad.log" 2>/dev/null | sort | uniq -c | sed 's/^ *\([0-9]*\) /\1 lines: /' | tr '\n' ';' || true)
	rules_off
	rule_run RC0 "$round" b
	for stage in RC0 RC1; do
		RESULT[$stage:$round:rate]=$(awk -v a="${RESULT[${stage}a:$round:rate]}" -v b="${RESULT[${stage}b:$round:rate]}" \
			'BEGIN { printf "%.2f", (a + b) / 2 }')
		RESULT[$stage:$round:errors]=$((${RESULT[${stage}a:$round:errors]} + ${RESULT[${stage}b:$round:errors]}))
		RESULT[$stage:$round:requests]=$((${RESULT[${stage}a:$round:requests]} + ${RESULT[${stage}b:$round:requests]}))
		RESULT[$stage:$round:cpu]=${RESULT[${stage}a:$round:cpu]}
		RESULT[$stage:$round:db]=${RESULT[${stage}a:$round:db]}
		RESULT[$stage:$round:check]=PASS
		if [[ ${RESULT[${stage}a:$round:check]} != PASS || ${RESULT[${stage}b:$round:check]} != PASS ]]; then
			RESULT[$stage:$round:check]=FAIL
		fi
	done
	say "  rules: RC1/RC0 $(ratio "${RESULT[RC1:$round:rate]}" "${RESULT[RC0:$round:rate]}")% this round;" \
		"workers: ${RESULT[RC1:$round:loaded]:-no log line}"
}

# Issue 13's launch-day mix (M) and PHP-FPM reference (P).
# shellcheck source=tests/bench/launch.sh
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
php_setup
# Issue 14's O2P: O2 with five promotions live.
# shellcheck source=tests/bench/promos.sh
source "$(dirname "${BASH_SOURCE[0]}")/promos.sh"
promo_setup

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
# Warm-up: one second per stage, unmeasured (caches, prepared statements,
# the workers' first connections).
stage_count=${#STAGES[@]}
hr_runs=2
((HR_WIDE)) && hr_runs=4
estimate=$(awk -v r="$ROUNDS" -v n="$stage_count" -v w="$DURATION" -v o="$OPEN_DURATION" -v q="$SQL_DURATION" \
	-v s="$SETTLE" -v h="$hr_runs" \
	'BEGIN { printf "%.0f", n + 5 + r * ((n + 5) * (w + o + 2 * s) + 4 * (w + s) + (3 + h) * (q + 0.3 + s) + 4 * (w / 2 + s + 1.5) + 3 + 12) }')
say "about ${estimate}s of load from here (longer if a stage is overloaded: the open loop drains up to ${OPEN_DRAIN}s)"
say "warming up"
for name in "${STAGES[@]}"; do
	if [[ $name == D ]]; then
		wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -H "$AUTH_HEADER" "$(url_of D)" >/dev/null 2>&1 || true
	else
		wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s "$(url_of "$name")" >/dev/null 2>&1 || true
	fi
done
export BENCH_LIST=$BARGAIN_DIR/run.list BENCH_LIST_STRIDE=$WRK_THREADS
new_hot_bargain
make_list "$BENCH_LIST" hot "$HELP_RATE_CAP"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -s "$LIST_LUA" "$BASE/" >/dev/null 2>&1 || true
make_list "$BENCH_LIST" many "$HELP_RATE_CAP"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -s "$LIST_LUA" "$BASE/" >/dev/null 2>&1 || true
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s "$BASE/api/v1/s/$LANDING_CODE" >/dev/null 2>&1 || true
make_order_list "$BENCH_LIST" hot "$ORDER_RATE_CAP"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -s "$LIST_LUA" "$BASE/" >/dev/null 2>&1 || true
make_order_list "$BENCH_LIST" many "$ORDER_RATE_CAP"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d1s -s "$LIST_LUA" "$BASE/" >/dev/null 2>&1 || true

if ((SWEEP)); then
	# shellcheck source=tests/bench/workers.sh
	source "$(dirname "${BASH_SOURCE[0]}")/workers.sh"
	BROKE=0
	sweep_workers
	sweep_report
	exit "$BROKE"
fi

for ((round = 1; round <= ROUNDS; round++)); do
	say "round $round of $ROUNDS"
	for name in "${STAGES[@]}"; do
		run_stage "$name" "$round"
	done
	stage_connections D$LOW_CONNECTIONS "$round" "$LOW_CONNECTIONS"
	stage_connections D$HIGH_CONNECTIONS "$round" "$HIGH_CONNECTIONS"
	stage_sql "$round"
	help_stage H1 "$round" "$CONNECTIONS"
	help_stage H1x$LOW_CONNECTIONS "$round" "$LOW_CONNECTIONS" saturation
	help_stage H1x$HIGH_CONNECTIONS "$round" "$HIGH_CONNECTIONS" saturation
	help_stage H2 "$round" "$CONNECTIONS"
	stage L "$round" "$BASE/api/v1/s/$LANDING_CODE"
	stage_helpref HRh "$round" hot "$SQL_THREADS"
	stage_helpref HRm "$round" many "$SQL_THREADS"
	if ((HR_WIDE)); then
		stage_helpref "HRh$HR_WIDE" "$round" hot "$HR_WIDE"
		stage_helpref "HRm$HR_WIDE" "$round" many "$HR_WIDE"
	fi
	order_stage O1 "$round" "$CONNECTIONS"
	order_stage O2 "$round" "$CONNECTIONS"
	promo_stage O2P "$round"
	stage_orderref ORh "$round" hot "$SQL_THREADS"
	stage_orderref ORm "$round" many "$SQL_THREADS"
	rule_round "$round"
	mix_stage M "$round"
	php_stage P "$round"
done
elapsed=$(($(date +%s) - started_at))

if ((POOL_PID > 0)) && ! kill -0 "$POOL_PID" 2>/dev/null; then
	die "the kanjiad pool (pid $POOL_PID) is gone after the benchmark"
fi

# ----------------------------------------------------------------- report

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
	# A stage that answered any error fails (a FAIL verdict, for
	# BENCH_STRICT); errors on more than 1% of its requests break the run.
	if ! is_number "$errors" || ((errors > 0)); then
		flag=' FAIL (errors)'
		[[ -n ${VERDICT_LOG:-} ]] && printf 'FAIL %s errors %s\n' "$stage" "$errors" >>"$VERDICT_LOG"
	fi
	if awk -v p="$percent" 'BEGIN { exit !(p > 1) }'; then
		flag=' FAIL (ERRORS on more than 1% of requests)'
		BROKE=1
	fi
	printf '%-30s %5s %10.0f %9s %9s %8s  (%s)%s\n' "$label" "$connections" "$rate" "$p50" "$p99" "$errors" \
		"$(spread "$stage" rate)" "$flag"
}

# Every verdict below is recorded here (verdict.sh), for BENCH_STRICT.
VERDICT_LOG=$OUT/verdicts.txt
: >"$VERDICT_LOG"

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
print_row "H1 help, one hot bargain" H1 "$CONNECTIONS"
print_row "H1 help, hot (saturation)" H1x$LOW_CONNECTIONS "$LOW_CONNECTIONS"
print_row "H1 help, hot (saturation)" H1x$HIGH_CONNECTIONS "$HIGH_CONNECTIONS"
print_row "H2 help, $HELP_BARGAINS bargains" H2 "$CONNECTIONS"
print_row "L share landing GET /s/{code}" L "$CONNECTIONS"
print_row "HR helpref hot (tx/s)" HRh "$SQL_THREADS"
print_row "HR helpref many (tx/s)" HRm "$SQL_THREADS"
if ((HR_WIDE)); then
	print_row "HR helpref hot (tx/s)" "HRh$HR_WIDE" "$HR_WIDE"
	print_row "HR helpref many (tx/s)" "HRm$HR_WIDE" "$HR_WIDE"
fi
print_row "O1 order, one hot item" O1 "$CONNECTIONS"
print_row "O2 order, $ORDER_ITEMS items" O2 "$CONNECTIONS"
print_row "OR orderref hot (tx/s)" ORh "$SQL_THREADS"
print_row "OR orderref many (tx/s)" ORm "$SQL_THREADS"
print_row "RC0 help, no rules (saturation)" RC0 "$CONNECTIONS"
print_row "RC1 help, $((6 + RULE_EXTRA)) rules (saturation)" RC1 "$CONNECTIONS"
echo "(p50/p99: open loop at $LOAD_PERCENT% of the stage's saturation, timed from the scheduled send; R, HR, OR: per transaction, closed loop)"

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
BARGAIN_STAGES=(H1 "H1x$LOW_CONNECTIONS" "H1x$HIGH_CONNECTIONS" H2 L HRh HRm)
((HR_WIDE)) && BARGAIN_STAGES+=("HRh$HR_WIDE" "HRm$HR_WIDE")
ORDER_STAGES=(O1 O2 ORh ORm)
RULE_STAGES=(RC0 RC1)
for stage in A B C D "D$LOW_CONNECTIONS" "D$HIGH_CONNECTIONS" R "${BARGAIN_STAGES[@]}" "${ORDER_STAGES[@]}" "${RULE_STAGES[@]}"; do
	[[ $stage == C ]] && ! ((HAVE_C)) && continue
	printf '%-30s%s\n' "$stage" "$(cpu_mean "$stage")"
done

# The database's work per request, mean of the rounds, field $2 of the
# "statements fsyncs waits wait_ms" of stage $1.
db_field() {
	local stage=$1 field=$2 round
	for ((round = 1; round <= ROUNDS; round++)); do
		printf '%s\n' "${RESULT[$stage:$round:db]:-}"
	done | awk -v f="$field" 'NF == 4 { n++; s += $f } END { printf "%.2f", n ? s / n : 0 }'
}
echo
echo "The database's work per request during the saturation runs (mean of rounds): client statements"
echo "(round trips), InnoDB fsyncs (Innodb_data_fsyncs: one log flush serves many commits), row lock"
echo "waits and their mean wait (global counters: other connections' work counts too):"
printf '%-30s%12s%10s%12s%10s\n' stage statements fsyncs 'lock waits' 'wait ms'
for stage in D "D$LOW_CONNECTIONS" "D$HIGH_CONNECTIONS" R "${BARGAIN_STAGES[@]}" "${ORDER_STAGES[@]}" "${RULE_STAGES[@]}"; do
	printf '%-30s%12s%10s%12s%10s\n' "$stage" "$(db_field "$stage" 1)" "$(db_field "$stage" 2)" \
		"$(db_field "$stage" 3)" "$(db_field "$stage" 4)"
done

d=$(median D rate)
b=$(median B rate)
d_over_b=$(ratio "$d" "$b")
d_p99=$(median D p99)
echo
echo "D/B throughput        $d_over_b%   (target >= $TARGET_D_OVER_B_PERCENT%)   $(verdict "$d_over_b" '>=' "$TARGET_D_OVER_B_PERCENT" "$(total D errors)" "$(total B errors)")"
echo "D p99 at $CONNECTIONS conns      $d_p99 ms   (target < $TARGET_D_P99_MS ms)   $(verdict "$d_p99" '<' "$TARGET_D_P99_MS" "$(total D errors)")"
echo "B/A throughput        $(ratio "$b" "$(median A rate)")%"
echo "D/R (me over its SQL) $(ratio "$d" "$(median R rate)")%"
echo "D at $LOW_CONNECTIONS/$CONNECTIONS/$HIGH_CONNECTIONS conns  $(median D$LOW_CONNECTIONS rate) / $d / $(median D$HIGH_CONNECTIONS rate) req/s  ($(ratio "$(median D$LOW_CONNECTIONS rate)" "$d")% / 100% / $(ratio "$(median D$HIGH_CONNECTIONS rate)" "$d")%)"

# The bargain stages (issue 3's targets).
h1=$(median H1 rate)
h2=$(median H2 rate)
l=$(median L rate)
hrh=$(median HRh rate)
hrm=$(median HRm rate)
h1_low=$(median "H1x$LOW_CONNECTIONS" rate)
h1_high=$(median "H1x$HIGH_CONNECTIONS" rate)
h1_over_ref=$(ratio "$h1" "$hrh")
h2_over_ref=$(ratio "$h2" "$hrm")
l_over_b=$(ratio "$l" "$b")
high_over_low=$(ratio "$h1_high" "$h1_low")
p99_worst=$(printf '%s\n' "$(median H1 p99)" "$(median H2 p99)" "$(median L p99)" | sort -g | tail -n 1)
bargain_errors=0
for stage in "${BARGAIN_STAGES[@]}"; do
	bargain_errors=$((bargain_errors + $(total "$stage" errors)))
done
checks_run=$(grep -c '' "$OUT/checks.txt" 2>/dev/null || true)
checks_failed=$(grep -c '^FAIL' "$OUT/checks.txt" 2>/dev/null || true)
within=$(verdict "$high_over_low" within "$TARGET_HIGH_OVER_LOW_PERCENT $((200 - TARGET_HIGH_OVER_LOW_PERCENT))" \
	"$(total "H1x$LOW_CONNECTIONS" errors)" "$(total "H1x$HIGH_CONNECTIONS" errors)")
echo "H1/HR-hot throughput  $h1_over_ref%   (target >= $TARGET_HELP_OVER_REF_PERCENT%)   $(verdict "$h1_over_ref" '>=' "$TARGET_HELP_OVER_REF_PERCENT" "$(total H1 errors)" "$(total HRh errors)")"
echo "H2/HR-many throughput $h2_over_ref%   (target >= $TARGET_HELP_OVER_REF_PERCENT%)   $(verdict "$h2_over_ref" '>=' "$TARGET_HELP_OVER_REF_PERCENT" "$(total H2 errors)" "$(total HRm errors)")"
echo "L/B throughput        $l_over_b%   (target >= $TARGET_L_OVER_B_PERCENT%)   $(verdict "$l_over_b" '>=' "$TARGET_L_OVER_B_PERCENT" "$(total L errors)" "$(total B errors)")"
echo "p99 at $LOAD_PERCENT% of saturation  H1 $(median H1 p99) / H2 $(median H2 p99) / L $(median L p99) ms   (target < $TARGET_BARGAIN_P99_MS ms each)   $(verdict "$p99_worst" '<' "$TARGET_BARGAIN_P99_MS" "$(total H1 errors)" "$(total H2 errors)" "$(total L errors)")"
echo "H1 at $LOW_CONNECTIONS/$CONNECTIONS/$HIGH_CONNECTIONS conns  $h1_low / $h1 / $h1_high req/s; $HIGH_CONNECTIONS over $LOW_CONNECTIONS: $high_over_low%   (target within 20%)   $within"
echo "bargain stage errors  $bargain_errors   (target 0)   $(verdict "$bargain_errors" '==' 0)"
echo "cut invariants        $((checks_run - checks_failed)) of $checks_run help runs   (sum = original - current, current >= floor, helpers = help rows, no duplicate helper, every 2xx recorded)   $([[ $checks_run -gt 0 && $checks_failed == 0 ]] && echo PASS || echo FAIL)"
echo "H1/H2 (hot over many) $(ratio "$h1" "$h2")%;  HR-hot/HR-many $(ratio "$hrh" "$hrm")%"

# The order stages (issue 4's targets).
o1=$(median O1 rate)
o2=$(median O2 rate)
orh=$(median ORh rate)
orm=$(median ORm rate)
o1_over_ref=$(ratio "$o1" "$orh")
o2_over_ref=$(ratio "$o2" "$orm")
order_p99_worst=$(printf '%s\n' "$(median O1 p99)" "$(median O2 p99)" | sort -g | tail -n 1)
order_errors=0
for stage in "${ORDER_STAGES[@]}"; do
	order_errors=$((order_errors + $(total "$stage" errors)))
done
order_checks_run=$(grep -c '' "$OUT/order-checks.txt" 2>/dev/null || true)
order_checks_failed=$(grep -c '^FAIL' "$OUT/order-checks.txt" 2>/dev/null || true)
echo "O1/OR-hot throughput  $o1_over_ref%   (target >= $TARGET_O1_OVER_REF_PERCENT%)   $(verdict "$o1_over_ref" '>=' "$TARGET_O1_OVER_REF_PERCENT" "$(total O1 errors)" "$(total ORh errors)")"
echo "O2/OR-many throughput $o2_over_ref%   (target >= $TARGET_O2_OVER_REF_PERCENT%)   $(verdict "$o2_over_ref" '>=' "$TARGET_O2_OVER_REF_PERCENT" "$(total O2 errors)" "$(total ORm errors)")"
echo "order p99 at $LOAD_PERCENT%      O1 $(median O1 p99) / O2 $(median O2 p99) ms   (target < $TARGET_ORDER_P99_MS ms each)   $(verdict "$order_p99_worst" '<' "$TARGET_ORDER_P99_MS" "$(total O1 errors)" "$(total O2 errors)")"
echo "order stage errors    $order_errors   (target 0)   $(verdict "$order_errors" '==' 0)"
echo "stock invariants      $((order_checks_run - order_checks_failed)) of $order_checks_run order runs   (total = left + reserved + sold and unchanged, none negative, reserved = pending orders' units, every 201 recorded)   $([[ $order_checks_run -gt 0 && $order_checks_failed == 0 ]] && echo PASS || echo FAIL)"
echo "O1/O2 (hot over many) $(ratio "$o1" "$o2")%;  OR-hot/OR-many $(ratio "$orh" "$orm")%"

# The rule cost (issue 5's target): per round RC1/RC0 (each the mean of two
# runs, in the order RC0 RC1 RC1 RC0), the median of those ratios; the cost
# is 100% minus it.
rule_ratios=()
for ((round = 1; round <= ROUNDS; round++)); do
	rule_ratios+=("$(ratio "${RESULT[RC1:$round:rate]:-0}" "${RESULT[RC0:$round:rate]:-0}")")
done
rule_ratio=$(printf '%s\n' "${rule_ratios[@]}" | awk '$1 != "-"' | sort -g |
	awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
rule_cost=$(awk -v r="$rule_ratio" 'BEGIN { if (r == "-") print "-"; else printf "%.1f", 100 - r }')
# The share of the machine other processes took during the rule runs: on a
# shared box it, not the rules, decides these rates. A cost below -10% (the
# rules "speeding up" the helps) is that noise: no verdict then.
rule_other=$(for ((round = 1; round <= ROUNDS; round++)); do
	for stage in RC0a RC0b RC1a RC1b; do
		printf '%s\n' "${RESULT[$stage:$round:cpu]:-}"
	done
done | awk 'NF == 8 { n++; s += $6; if ($6 > m) m = $6 } END { printf "mean %.0f%%, max %.0f%%", n ? s / n : 0, m }')
rule_errors=$(($(total RC0 errors) + $(total RC1 errors)))
if is_number "$rule_cost" && awk -v c="$rule_cost" 'BEGIN { exit !(c < -10) }'; then
	rule_verdict="NOISY (no verdict: rerun on a quiet box)"
	[[ -n $VERDICT_LOG ]] && printf 'NOISY %s < %s\n' "$rule_cost" "$TARGET_RULE_COST_PERCENT" >>"$VERDICT_LOG"
else
	rule_verdict=$(verdict "$rule_cost" '<' "$TARGET_RULE_COST_PERCENT" "$rule_errors")
fi
rule_checks_failed=0
for ((round = 1; round <= ROUNDS; round++)); do
	for stage in RC0 RC1; do
		[[ ${RESULT[$stage:$round:check]:-FAIL} == PASS ]] || rule_checks_failed=$((rule_checks_failed + 1))
	done
done
echo "rule cost (RC1 vs RC0) $rule_cost% of help throughput (RC1/RC0 per round: ${rule_ratios[*]}%; median $rule_ratio%; other processes' CPU during the runs: $rule_other)   (target < $TARGET_RULE_COST_PERCENT%)   $rule_verdict"
echo "rule stage errors     $rule_errors   (target 0: a rule that matched bench traffic would block)   $(verdict "$rule_errors" '==' 0); cut invariants $([[ $rule_checks_failed == 0 ]] && echo PASS || echo FAIL)"
echo "rules compiled        RC1 round 1: ${RESULT[RC1:1:loaded]:-?} (the workers' log lines)"
launch_report
promo_report
echo
echo "The hot bargain and the hot item (row lock), medians: lock held per transaction from the hot UPDATE's answer"
echo "to COMMIT sent / answered (helpref, orderref), InnoDB row lock waits per request and their mean wait:"
for stage in HRh "HRh$HR_WIDE" H1 ORh O1; do
	[[ $stage == HRh0 ]] && continue
	rate=$(median "$stage" rate)
	if [[ $stage == HRh* || $stage == ORh ]]; then
		hold_min=$(median "$stage" hold_min_ms)
		hold_max=$(median "$stage" hold_max_ms)
		printf '  %-7s %8.0f tx/s   held %s / %s ms (ceiling %s / %s tx/s)   waits %s per tx, %s ms each\n' "$stage" "$rate" \
			"$hold_min" "$hold_max" "$(awk -v h="$hold_min" 'BEGIN { if (h > 0) printf "%.0f", 1000 / h; else print "-" }')" \
			"$(awk -v h="$hold_max" 'BEGIN { if (h > 0) printf "%.0f", 1000 / h; else print "-" }')" \
			"$(db_field "$stage" 3)" "$(db_field "$stage" 4)"
	else
		printf '  %-7s %8.0f req/s  waits %s per request, %s ms each (through the pool: %s DB connections)\n' "$stage" "$rate" \
			"$(db_field "$stage" 3)" "$(db_field "$stage" 4)" "$WORKERS"
	fi
done
echo "rules:   RC1: the default pack (sql/fraud_pack.json, 6 rules) + $RULE_EXTRA rules that never match (phone, ip, user_agent, signature; scope help; block), pack 'bench-rules', deleted after each round's RC1 runs; RC helpers: $RULE_HELPERS phones 139...; rules enabled outside the bench: $RULES_BEFORE"
[[ -n $SCHEMA_NOTE ]] && echo "SCHEMA:  $SCHEMA_NOTE"
echo "fraud:   $LIMITS_NOTE; $(db -e 'SELECT COUNT(*) FROM fraud_rule WHERE enabled = 1') fraud rules enabled"
echo "data:    campaign $CAMPAIGN_ID, item $ITEM_ID (price $ITEM_PRICE_FEN fen, floor 0, cuts 1-2 fen, no rewards), $HELPERS helpers, $HELP_BARGAINS bargains + $HOT_USED hot ones; landing: /api/v1/s/$LANDING_CODE"
echo "orders:  campaign $ORDER_CAMPAIGN_ID, hot item $ORDER_HOT_ITEM (stock $ORDER_HOT_STOCK) and $ORDER_ITEMS items (stock $ORDER_STOCK each), $ORDER_PRICE_FEN fen, one unit per order, shoppers: the $HELPERS helpers"
echo "raw outputs: $OUT/ (cut checks: $OUT/checks.txt, stock checks: $OUT/order-checks.txt)"
if ((checks_failed > 0)); then
	echo "bench: a cut invariant failed after a help run: see $OUT/checks.txt" >&2
	exit 1
fi
if ((order_checks_failed > 0)); then
	echo "bench: a stock invariant failed after an order run: see $OUT/order-checks.txt" >&2
	exit 1
fi
if ((BROKE)); then
	echo "bench: a stage answered errors on more than 1% of its requests: the numbers above are not trustworthy" >&2
	exit 1
fi
verdict_exit_status || exit 1
exit 0
