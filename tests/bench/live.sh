#!/usr/bin/env bash
# tests/bench/live.sh — the live-updates stage of the benchmark (issue 18):
# what watchers cost and how fast a cut reaches them. `./dev bench live`
# runs it (run.sh hands over to it) against the bench instance; see
# tests/bench/README.md, "Live updates".
#
# Scenarios, each with helps in the H2 shape (distinct helpers over many
# bargains, never a pair twice) at BENCH_LIVE_PERCENT (80) % of the H2
# saturation rate (BENCH_LIVE_H2_RATE, or measured here first, closed loop,
# no watchers):
#   base    no subscribers                                (the pool's rate alone)
#   hot     BENCH_LIVE_SUBSCRIBERS (5,000) streams on ONE hot bargain (90% its
#           share stream, 10% its owner's), which gets BENCH_LIVE_HOT_RATE
#           (10) of the helps per second; the rest go to the many bargains
#   spread  BENCH_LIVE_SUBSCRIBERS streams over BENCH_LIVE_BARGAINS (1,000)
#           bargains (per bargain 4 share streams and 1 owner's), every help
#           on one of them
#   both    hot and spread at once (10,000 streams), their helps mixed
# Measured by livewatch.c: delivery latency (p50/p90/p99/max) from each
# help's answer to each subscriber's event, events delivered of expected,
# fan-out time; by this script: the pool's request rate during the helps
# (its log's request lines: it must not grow with the subscribers), nginx's
# memory (PSS of master and workers, shared memory included) per
# subscriber, from before the streams open to when they all are.
#
# Bounded: every wait has a limit, livewatch stops after its help phase and
# a drain, subscribers <= 12,000 per scenario. Everything this script
# changes (nginx's worker_connections in the instance's rendered nginx.conf,
# empty velocity limits in the pool's config) is put back on exit.
#
# Knobs: BENCH_LIVE_SUBSCRIBERS=5000, BENCH_LIVE_BARGAINS=1000,
# BENCH_LIVE_DURATION=10 (s of helps per scenario), BENCH_LIVE_PERCENT=80,
# BENCH_LIVE_H2_RATE (req/s; unset: measured for BENCH_LIVE_SAT_DURATION=6 s),
# BENCH_LIVE_HOT_RATE=10, BENCH_LIVE_CONNECTIONS=64 (help connections),
# BENCH_LIVE_OPEN_RATE=1000 (streams opened per second), BENCH_LIVE_HELPERS=
# 200000, BENCH_LIVE_SCENARIOS="base hot spread both".
set -eEuo pipefail
trap 'printf "bench live: error: line %s: %s failed (status %s)\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'bench live: warning: %s\n' "$*" >&2; }
die() {
	printf 'bench live: error: %s\n' "$*" >&2
	exit 1
}

for name in KANJIA_BASE_URL KANJIA_RUN_DIR KANJIA_CONF KANJIA_REPO; do
	[[ -n ${!name:-} ]] || die "$name is not set (run this through ./dev bench live)"
done
RUN=$KANJIA_RUN_DIR
CONF=$KANJIA_CONF
HERE=$KANJIA_REPO/tests/bench
BIN_DIR=$RUN/bench-bin
OUT=$RUN/bench-out/live
DATA=$RUN/bench-live
DB_SOCKET=$RUN/mysqld.sock
[[ $KANJIA_BASE_URL =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)/?$ ]] ||
	die "KANJIA_BASE_URL must be http://127.0.0.1:PORT (got $KANJIA_BASE_URL)"
PORT=${BASH_REMATCH[2]}

# shellcheck source=tests/bench/common.sh
source "$HERE/common.sh"
SUBSCRIBERS=$(knob BENCH_LIVE_SUBSCRIBERS 5000 6000)
BARGAINS=$(knob BENCH_LIVE_BARGAINS 1000 10000)
DURATION=$(knob BENCH_LIVE_DURATION 10 120)
PERCENT=$(knob BENCH_LIVE_PERCENT 80 100)
SAT_DURATION=$(knob BENCH_LIVE_SAT_DURATION 6 60)
HOT_RATE=$(knob BENCH_LIVE_HOT_RATE 10 1000)
CONNECTIONS=$(knob BENCH_LIVE_CONNECTIONS 64 1024)
OPEN_RATE=$(knob BENCH_LIVE_OPEN_RATE 1000 20000)
HELPERS=$(knob BENCH_LIVE_HELPERS 200000 5000000)
SCENARIOS=${BENCH_LIVE_SCENARIOS:-base hot spread both}
for s in $SCENARIOS; do [[ $s =~ ^(base|hot|spread|both)$ ]] || die "unknown scenario $s in BENCH_LIVE_SCENARIOS"; done
OWNER_SHARE=10          # percent of a hot bargain's subscribers on its owner's stream
PER_BARGAIN=$(((SUBSCRIBERS + BARGAINS - 1) / BARGAINS)) # spread: streams per bargain
ITEM_PRICE_FEN=10000000000
NGINX_CONNECTIONS=16384 # per worker, while this runs (two scenarios' streams fit in one worker)
NGINX_FILES=20000
WAIT_READY=$((SUBSCRIBERS * 2 / OPEN_RATE + 90)) # seconds for the streams to open
TARGET_P99_MS=1000

for tool in cc mariadb nginx python3; do
	command -v "$tool" >/dev/null || die "$tool is not installed (./dev installs it)"
done
[[ -S $DB_SOCKET ]] || die "no MariaDB socket at $DB_SOCKET"
LIVE_SOCKET=$(conf_value live_socket '')
[[ -n $LIVE_SOCKET && -S $LIVE_SOCKET ]] || die "no live publisher socket (live_socket = '$LIVE_SOCKET' in $CONF)"
mkdir -p "$BIN_DIR" "$OUT" "$DATA"
rm -f "$OUT"/*.txt

# ------------------------------------------------------------- cleanup

NGINX_BACKUP=''
CONF_BACKUP=''
WATCH_PID=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	set +e
	if [[ -n $WATCH_PID ]] && kill -0 "$WATCH_PID" 2>/dev/null; then
		kill -TERM "$WATCH_PID"
		wait "$WATCH_PID" 2>/dev/null
	fi
	if [[ -n $NGINX_BACKUP && -f $NGINX_BACKUP ]]; then
		cat "$NGINX_BACKUP" >"$RUN/nginx.conf" && rm -f "$NGINX_BACKUP"
		nginx_instance -s reload
	fi
	if [[ -n $CONF_BACKUP && -f $CONF_BACKUP ]]; then
		cat "$CONF_BACKUP" >"$CONF" && rm -f "$CONF_BACKUP"
		pool_reload
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------- tools

say "compiling livewatch and helpgen into $BIN_DIR"
cc -std=c11 -O2 -Wall -Wextra -o "$BIN_DIR/livewatch" "$HERE/livewatch.c" || die "livewatch.c did not compile"
cc -std=c11 -O2 -Wall -Wextra -o "$BIN_DIR/helpgen" "$HERE/helpgen.c" -lcrypto || die "helpgen.c did not compile"

# ------------------------------------------------- the stack, for this run

# Helps from one address: the velocity limits must be off (./dev's bench
# config sets them empty; otherwise empty here for this run, as run.sh does).
if [[ -n $(conf_value fraud_help_limits '') ]] || ! grep -Eq '^[[:space:]]*fraud_help_limits[[:space:]]*=' "$CONF"; then
	CONF_BACKUP=$RUN/bench-live-kanjia.conf.orig
	cp -p "$CONF" "$CONF_BACKUP"
	printf '# Added by tests/bench/live.sh for one run: no velocity limits.\nfraud_help_limits =\n' >>"$CONF"
	pool_reload || die "the pool did not reload $CONF within 5 s"
	sleep 1
	warn "fraud_help_limits set empty for this run (the pool reloaded)"
fi
# nginx: room for every stream (one connection each) in one worker.
NGINX_BACKUP=$RUN/bench-live-nginx.conf.orig
cp -p "$RUN/nginx.conf" "$NGINX_BACKUP"
sed -i -e "s/^\([[:space:]]*worker_connections\)[[:space:]]*[0-9]*;/\1 $NGINX_CONNECTIONS;/" "$RUN/nginx.conf"
grep -q '^worker_rlimit_nofile' "$RUN/nginx.conf" || sed -i "1i worker_rlimit_nofile $NGINX_FILES;" "$RUN/nginx.conf"
nginx_instance -t -q || die "nginx refused the raised worker_connections"
nginx_instance -s reload
sleep 2 # the old workers hand over
NGINX_WORKERS=$(sed -n 's/^[[:space:]]*worker_processes[[:space:]]*\([^;]*\);.*/\1/p' "$RUN/nginx.conf" | head -n 1)

# ------------------------------------------------------------------ data

# Helpers 175..., owners 176... (the many bargains, then one per hot run),
# campaign "kanjia bench live" with the bench item of run.sh (no bargain
# reaches its floor, cuts of 1-2 fen, no rewards). The previous run's
# bargains and cuts go first.
say "seeding: $HELPERS helpers, $BARGAINS bargains"
seed_shoppers() {
	local have
	have=$(db -e "SELECT COUNT(*) FROM shopper WHERE phone LIKE '$1%'")
	((have >= $2)) && return 0
	db -e "INSERT IGNORE INTO shopper (phone, created_at) SELECT CONCAT('$1', LPAD(seq, 8, '0')), UTC_TIMESTAMP()
	       FROM seq_1_to_$2" || die "seeding the $1... shoppers failed"
}
seed_shoppers 175 "$HELPERS"
seed_shoppers 176 $((BARGAINS + 10))
CAMPAIGN_ID=$(db -e "SELECT id FROM campaign WHERE title = 'kanjia bench live' ORDER BY id LIMIT 1")
if [[ -z $CAMPAIGN_ID ]]; then
	CAMPAIGN_ID=$(db -e "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at)
	                     VALUES ('kanjia bench live', UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 30 DAY,
	                             UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
fi
[[ $CAMPAIGN_ID =~ ^[0-9]+$ ]] || die "no live bench campaign"
db -e "UPDATE campaign SET starts_at = UTC_TIMESTAMP() - INTERVAL 1 DAY, ends_at = UTC_TIMESTAMP() + INTERVAL 30 DAY
       WHERE id = $CAMPAIGN_ID"
ITEM_ID=$(db -e "SELECT id FROM campaign_item WHERE campaign_id = $CAMPAIGN_ID ORDER BY id LIMIT 1")
if [[ -z $ITEM_ID ]]; then
	ITEM_ID=$(db -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
	                   stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day,
	                   helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s,
	                   rewards_json, created_at, updated_at)
	                 VALUES ($CAMPAIGN_ID, 'bench live item', '[]', $ITEM_PRICE_FEN, 0, 1000, 1000, 1, 2, NULL, 1,
	                   1000000, 1, NULL, 604800, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
fi
[[ $ITEM_ID =~ ^[0-9]+$ ]] || die "no live bench item"
db <<-SQL || die "deleting the previous run's bargains failed"
	DELETE FROM bargain_cut WHERE campaign_id = $CAMPAIGN_ID;
	DELETE FROM share_open WHERE campaign_id = $CAMPAIGN_ID;
	DELETE FROM bargain WHERE campaign_id = $CAMPAIGN_ID;
SQL
RUN_TAG=$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
BARGAIN_INSERT="INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen,
	current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
	helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at)"
BARGAIN_VALUES="$CAMPAIGN_ID, $ITEM_ID, s.id, SUBSTR(MD5(CONCAT('$RUN_TAG', s.id)), 1, 16), $ITEM_PRICE_FEN, 0,
	$ITEM_PRICE_FEN, 1, 2, NULL, 1, 1000000, NULL, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY"
db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.phone LIKE '176%' ORDER BY s.id LIMIT $BARGAINS"
HELPER_IDS=$DATA/helpers.ids
db -e "SELECT id FROM shopper WHERE phone LIKE '175%' ORDER BY id LIMIT $HELPERS" >"$HELPER_IDS"
db -e "SELECT id, user_id, share_code FROM bargain WHERE campaign_id = $CAMPAIGN_ID ORDER BY id" >"$DATA/bargains.tsv"
(($(wc -l <"$DATA/bargains.tsv") == BARGAINS)) || die "expected $BARGAINS live bench bargains"
cut -f3 "$DATA/bargains.tsv" >"$DATA/bargains.codes"
mapfile -t HOT_OWNERS < <(db -e "SELECT id FROM shopper WHERE phone LIKE '176%' ORDER BY id DESC LIMIT 10")

# A token for each owner (helpgen mints helper tokens; an owner is a
# shopper like any other): "user_id<TAB>token" lines.
owner_tokens() {
	local ids=$DATA/owners.ids
	cut -f2 "$1" >"$ids"
	"$BIN_DIR/helpgen" -f "$CONF" -H "$ids" -m hot -c AAAAAAAAAAAAAAAA -o 0 -n "$(wc -l <"$ids")" |
		sed -n 's/.*Authorization: Bearer \([^\t]*\).*/\1/p' | paste "$ids" -
}

# --------------------------------------------------------------- lists

MANY_NEXT=0
# $2 helps over the many bargains into $1 (never a pair twice in a run).
many_list() {
	"$BIN_DIR/helpgen" -f "$CONF" -H "$HELPER_IDS" -m many -B "$DATA/bargains.codes" -o "$MANY_NEXT" -n "$2" >"$1" ||
		die "helpgen failed"
	MANY_NEXT=$((MANY_NEXT + $2))
}
HOT_NEXT=0
# $3 helps on the hot bargain $2 into $1 (helpers from the top of the list).
hot_list() {
	"$BIN_DIR/helpgen" -f "$CONF" -H <(tac "$HELPER_IDS") -m hot -c "$2" -o "$HOT_NEXT" -n "$3" >"$1" ||
		die "helpgen failed"
	HOT_NEXT=$((HOT_NEXT + $3))
}
# Merges the hot list $2 evenly into the many list $1, into $3.
interleave() {
	awk -v many="$1" -v hot="$2" 'BEGIN {
		while ((getline line < many) > 0) m[++nm] = line
		while ((getline line < hot) > 0) h[++nh] = line
		step = nh ? (nm + nh) / nh : 0; next_hot = step / 2; j = 0; k = 0
		for (i = 1; i <= nm + nh; i++) {
			if (k < nh && (i >= next_hot || j >= nm)) { print h[++k]; next_hot += step } else print m[++j]
		}
	}' >"$3"
}

# A fresh hot bargain; prints "id<TAB>owner<TAB>code".
HOT_USED=0
new_hot() {
	local owner=${HOT_OWNERS[$HOT_USED]}
	HOT_USED=$((HOT_USED + 1))
	db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.id = $owner;
	       SELECT id, user_id, share_code FROM bargain WHERE id = LAST_INSERT_ID()"
}

# Subscriber lines for the hot bargain in file $1 (id, owner, code): $2 streams.
hot_streams() {
	local id owner code token
	IFS=$'\t' read -r id owner code <"$1"
	token=$(owner_tokens "$1" | cut -f2)
	awk -v n="$2" -v id="$id" -v code="$code" -v token="$token" -v share="$OWNER_SHARE" 'BEGIN {
		for (i = 0; i < n; i++)
			if (i % 100 < share) printf "%s\t/api/v1/bargains/%s/events?token=%s\n", id, id, token
			else printf "%s\t/api/v1/s/%s/events\n", id, code
	}'
}
# Subscriber lines over the many bargains: PER_BARGAIN each, one the owner's.
spread_streams() {
	owner_tokens "$DATA/bargains.tsv" >"$DATA/owners.tokens"
	paste "$DATA/bargains.tsv" <(cut -f2 "$DATA/owners.tokens") | awk -v per="$PER_BARGAIN" -v n="$SUBSCRIBERS" -F'\t' '{
		for (i = 0; i < per && printed < n; i++) {
			if (i == 0) printf "%s\t/api/v1/bargains/%s/events?token=%s\n", $1, $1, $4
			else printf "%s\t/api/v1/s/%s/events\n", $1, $3
			printed++
		}
	}'
}

# --------------------------------------------------------- measurements

# PSS (KiB) of this instance's nginx: master and workers, shared memory
# (nchan's messages and channels) counted once across them.
nginx_pss() {
	local master pids
	master=$(cat "$RUN/nginx.pid")
	pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
	for pid in $pids; do awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'
}
pool_requests() { grep -c '"event":"request"' "$RUN/kanjiad.log" 2>/dev/null || true; }
result_field() { sed -n "s/.*RESULT.* $2=\([^ ]*\).*/\1/p" "$1"; }

declare -A ROW
# Runs livewatch: scenario $1, subscriber file $2 ('' for none), help list $3, rate $4.
scenario() {
	local name=$1 subs_file=$2 list=$3 rate=$4 count=0 ready=$DATA/ready out=$OUT/$1.txt
	local mem_before mem_up requests_from requests_to i
	[[ -n $subs_file ]] && count=$(wc -l <"$subs_file")
	rm -f "$ready"
	mem_before=$(nginx_pss)
	say "scenario $name: $count streams, helps at $rate/s for ${DURATION}s"
	LIVEWATCH_READY_FILE=$ready "$BIN_DIR/livewatch" -p "$PORT" ${subs_file:+-S "$subs_file" -n "$count"} \
		-O "$OPEN_RATE" -T "$WAIT_READY" -H "$list" -r "$rate" -d "$DURATION" -c "$CONNECTIONS" -w 5 >"$out" 2>&1 &
	WATCH_PID=$!
	for ((i = 0; i < (WAIT_READY + 10) * 10; i++)); do
		[[ -e $ready ]] && break
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	[[ -e $ready ]] || die "scenario $name: the streams did not open (see $out)"
	mem_up=$(nginx_pss)
	requests_from=$(pool_requests)
	wait "$WATCH_PID" || die "livewatch failed in scenario $name (see $out)"
	WATCH_PID=''
	requests_to=$(pool_requests)
	cat "$out" >&2
	ROW[$name:streams]=$count
	ROW[$name:open]=$(result_field "$out" subscribers)
	ROW[$name:helps]=$(result_field "$out" help_rate)
	ROW[$name:help_s]=$(result_field "$out" help_s)
	ROW[$name:errors]=$(($(result_field "$out" bad) + $(result_field "$out" errors)))
	ROW[$name:events]=$(result_field "$out" events)
	ROW[$name:expected]=$(result_field "$out" expected)
	ROW[$name:p50]=$(result_field "$out" p50_ms)
	ROW[$name:p99]=$(result_field "$out" p99_ms)
	ROW[$name:max]=$(result_field "$out" max_ms)
	ROW[$name:fanout]=$(result_field "$out" fanout_p99_ms)
	# The pool's requests from the streams being up to the end: the helps
	# (and any reconnect's authorisation), never a request per watcher.
	ROW[$name:pool]=$(awk -v n="$((requests_to - requests_from))" -v s="${ROW[$name:help_s]}" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
	ROW[$name:mem]=$(awk -v a="$mem_before" -v b="$mem_up" -v n="$count" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / n; else print "-" }')
	sleep 2 # the streams close; nginx settles
}

# ------------------------------------------------------------------ run

H2_RATE=${BENCH_LIVE_H2_RATE:-}
if [[ -z $H2_RATE ]]; then
	sat_count=$((SAT_DURATION * 8000))
	((sat_count <= HELPERS * BARGAINS)) || sat_count=$((HELPERS * BARGAINS))
	many_list "$DATA/sat.list" "$sat_count"
	say "measuring the H2 saturation rate (closed loop, $CONNECTIONS connections, ${SAT_DURATION}s, no streams)"
	"$BIN_DIR/livewatch" -p "$PORT" -H "$DATA/sat.list" -r 0 -d "$SAT_DURATION" -c "$CONNECTIONS" -w 2 >"$OUT/sat.txt" 2>&1 ||
		die "the saturation run failed (see $OUT/sat.txt)"
	H2_RATE=$(result_field "$OUT/sat.txt" help_rate)
	H2_NOTE="measured here: $H2_RATE helps/s (closed loop, $CONNECTIONS connections, ${SAT_DURATION}s)"
else
	H2_NOTE="given: BENCH_LIVE_H2_RATE=$H2_RATE"
fi
RATE=$(awk -v r="$H2_RATE" -v p="$PERCENT" 'BEGIN { printf "%d", r * p / 100 }')
((RATE >= 1)) || die "the help rate came out as $RATE/s (H2 $H2_RATE)"
HELPS=$((RATE * DURATION + RATE)) # a second's worth spare: the schedule never runs dry
((HOT_RATE < RATE)) || HOT_RATE=$((RATE / 2 > 0 ? RATE / 2 : 1))
# Every scenario takes fresh (helper, bargain) pairs over the many bargains.
((MANY_NEXT + 4 * HELPS <= HELPERS * BARGAINS)) ||
	die "$((4 * HELPS)) helps need more pairs than $HELPERS helpers x $BARGAINS bargains: raise BENCH_LIVE_HELPERS"

for name in $SCENARIOS; do
	case $name in
	base)
		many_list "$DATA/base.list" "$HELPS"
		scenario base '' "$DATA/base.list" "$RATE"
		;;
	hot | both)
		new_hot >"$DATA/hot.tsv"
		IFS=$'\t' read -r HOT_ID _ HOT_CODE <"$DATA/hot.tsv"
		hot_streams "$DATA/hot.tsv" "$SUBSCRIBERS" >"$DATA/$name.streams"
		[[ $name == both ]] && spread_streams >>"$DATA/$name.streams"
		hot_list "$DATA/$name.hot" "$HOT_CODE" $((HOT_RATE * DURATION + HOT_RATE))
		many_list "$DATA/$name.many" $((HELPS - HOT_RATE * DURATION - HOT_RATE))
		interleave "$DATA/$name.many" "$DATA/$name.hot" "$DATA/$name.list"
		scenario "$name" "$DATA/$name.streams" "$DATA/$name.list" "$RATE"
		;;
	spread)
		spread_streams >"$DATA/spread.streams"
		many_list "$DATA/spread.list" "$HELPS"
		scenario spread "$DATA/spread.streams" "$DATA/spread.list" "$RATE"
		;;
	esac
done

# ---------------------------------------------------------------- report

echo
echo "kanjia live updates — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); nginx workers ${NGINX_WORKERS:-?} (worker_connections $NGINX_CONNECTIONS for this run); pool workers $(conf_value workers 4)"
echo "helps:   $RATE/s = $PERCENT% of H2 ($H2_NOTE), ${DURATION}s per scenario, $CONNECTIONS connections, open loop; hot bargain: $HOT_RATE of them per second"
echo "streams: hot: one bargain, $OWNER_SHARE% on its owner's stream; spread: $PER_BARGAIN per bargain over $BARGAINS (one the owner's)"
echo
printf '%-8s %8s %8s %8s %8s %9s %12s %8s %8s %8s %8s %10s\n' scenario streams open helps/s errors 'pool r/s' 'events/exp' 'p50 ms' 'p99 ms' 'max ms' 'fan p99' 'KiB/strm'
for name in $SCENARIOS; do
	printf '%-8s %8s %8s %8s %8s %9s %12s %8s %8s %8s %8s %10s\n' "$name" "${ROW[$name:streams]}" "${ROW[$name:open]}" \
		"${ROW[$name:helps]}" "${ROW[$name:errors]}" "${ROW[$name:pool]}" "${ROW[$name:events]}/${ROW[$name:expected]}" \
		"${ROW[$name:p50]}" "${ROW[$name:p99]}" "${ROW[$name:max]}" "${ROW[$name:fanout]}" "${ROW[$name:mem]}"
done
echo "(p50/p99/max: from each help's answer to each stream's event, 0 when the event came first; fan-out: first to"
echo " last stream of one change; pool r/s: the pool's requests per second while the streams were up; KiB/strm:"
echo " nginx's PSS growth from before the streams opened to when all were up, per stream)"
if [[ " $SCENARIOS " == *" both "* ]]; then
	p99=${ROW[both:p99]}
	verdict=$(awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { print (p >= 0 && p < t) ? "PASS" : "MISS" }')
	echo "p99 delivery with ${ROW[both:open]} streams (both)   $p99 ms   (target < $TARGET_P99_MS ms)   $verdict"
fi
if [[ " $SCENARIOS " == *" base "* ]]; then
	for name in $SCENARIOS; do
		[[ $name == base ]] && continue
		echo "pool rate, $name over base   $(awk -v a="${ROW[$name:pool]}" -v b="${ROW[base:pool]}" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }')   (must not grow with the streams)"
	done
fi
echo "raw outputs: $OUT/"
