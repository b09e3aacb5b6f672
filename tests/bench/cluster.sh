#!/usr/bin/env bash
# tests/bench/cluster.sh — what scale-out buys (issue 17), on `./dev cluster up`.
#
#   ./dev cluster up && bash tests/bench/cluster.sh          # ~2 minutes
#   BENCH_QUICK=1 bash tests/bench/cluster.sh                # a smoke run, ~30 s
#   ./dev replica up && BENCH_ONLY=replica bash tests/bench/cluster.sh   # R only
#
# Stages, each a `wrk -t2 -c64` run of BENCH_SECONDS (default 8) through the
# cluster's nginx (127.0.0.5:28200), requests from helpgen.c's lists sent
# once each by run.sh's wrk script (every help a new (helper, bargain) pair,
# every order its own Idempotency-Key):
#   N1 N2 N3  helps over many bargains with 1, 2 and 3 app hosts in nginx's
#             upstream (the others stay up, out of the upstream; nginx is
#             reloaded between stages)
#   GB        helps on one hot bargain, 3 app hosts (so 3 Galera nodes write
#             the same row)
#   GI        orders on one hot item (a flash sale), 3 app hosts
#   GM        orders over many items, 3 app hosts
# For GB, GI and GM: certification conflicts per request, from the nodes'
# wsrep_local_cert_failures + wsrep_local_bf_aborts before and after.
#   RR RP     primary + read replica (`./dev replica up`, .run/replica/):
#             the admin dashboard (GET .../stats, wrk -t1 -c8) read while
#             helps over many bargains load the primary (wrk -t2 -c64), with
#             db_read_host set (RR: the dashboard reads the replica) and
#             emptied (RP: everything on the primary; the app host reloads
#             its config between the two). Prints both rates of each run and
#             where /metrics says the reads went.
# The cluster stages run when `./dev cluster up` is up, R when `./dev
# replica up` is (both may be); BENCH_ONLY=replica skips the cluster's.
# BENCH_DRY_RUN=1 checks what is up and prints the plan and the commands of
# each stage without seeding or loading anything.
#
# On one machine the app hosts and the nodes share its cores, so N2 and N3
# show the cost of the extra hops, not the gain of more machines: read them
# with the CPU count printed beside them. Loopback only; nothing here is
# part of ./dev test. Do not run it on a shared box that others measure on.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CLUSTER_DIR=${KANJIA_CLUSTER_DIR:-$ROOT/.run/cluster}
LB=127.0.0.5
PORT=28200
BASE=http://$LB:$PORT
NODES=3
CONF=$CLUSTER_DIR/app1/kanjia.conf
SECONDS_PER_RUN=${BENCH_SECONDS:-8}
[[ ${BENCH_QUICK:-0} == 1 ]] && SECONDS_PER_RUN=2
CONNECTIONS=${BENCH_CONNECTIONS:-64}
RATE_CAP=${BENCH_HELP_RATE_CAP:-4000}        # requests per second a list holds room for
LIST_SIZE=$((RATE_CAP * SECONDS_PER_RUN))
HELPERS=$((LIST_SIZE * 7)) # six runs, each its own range of helpers
BARGAINS=2000
ORDER_ITEMS=200
ITEM_PRICE_FEN=10000000000
OUT=$CLUSTER_DIR/bench
BIN_DIR=$OUT/bin
# Stage R: the primary + read replica setup (./dev replica).
REPLICA_DIR=${KANJIA_REPLICA_DIR:-$ROOT/.run/replica}
RBASE=http://127.0.0.6:28260
RCONF=$REPLICA_DIR/app/kanjia.conf
READ_CONNECTIONS=${BENCH_READ_CONNECTIONS:-8}
RHELPERS=$((LIST_SIZE * 3)) # two runs, each its own range of helpers
DRY=${BENCH_DRY_RUN:-0}

say() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'cluster bench: error: %s\n' "$*" >&2
	exit 1
}

HAVE_CLUSTER=no HAVE_REPLICA=no
[[ ${BENCH_ONLY:-} != replica && -S $CLUSTER_DIR/node1/mysqld.sock && -f $CONF && -s $CLUSTER_DIR/nginx.pid ]] &&
	HAVE_CLUSTER=yes
[[ -S $REPLICA_DIR/primary/mysqld.sock && -S $REPLICA_DIR/replica/mysqld.sock && -f $RCONF &&
	-s $REPLICA_DIR/nginx.pid ]] && HAVE_REPLICA=yes
[[ $HAVE_CLUSTER == yes || $HAVE_REPLICA == yes ]] ||
	die "no cluster at ${CLUSTER_DIR#"$ROOT"/} nor replica setup at ${REPLICA_DIR#"$ROOT"/}: run ./dev cluster up or ./dev replica up first"
[[ $HAVE_CLUSTER == yes ]] || { OUT=$REPLICA_DIR/bench BIN_DIR=$REPLICA_DIR/bench/bin; }
command -v wrk >/dev/null || die "wrk is missing (./dev installs it)"
mkdir -p "$OUT" "$BIN_DIR"
say "cluster stages: $HAVE_CLUSTER; replica stage: $HAVE_REPLICA${BENCH_ONLY:+ (BENCH_ONLY=$BENCH_ONLY)}"

db() { mariadb --no-defaults --socket="$CLUSTER_DIR/node1/mysqld.sock" -u root -N -B kanjia "$@"; }
node_status() {
	mariadb --no-defaults --socket="$CLUSTER_DIR/node$1/mysqld.sock" -u root -N -B \
		-e "SHOW STATUS LIKE '$2'" | awk '{print $2}'
}
# Certification failures and brute-force aborts, summed over the nodes.
conflicts() {
	local i total=0 a b
	for ((i = 1; i <= NODES; i++)); do
		a=$(node_status "$i" wsrep_local_cert_failures)
		b=$(node_status "$i" wsrep_local_bf_aborts)
		total=$((total + ${a:-0} + ${b:-0}))
	done
	echo "$total"
}

# ------------------------------------------------------------------ tools

CFLAGS_BENCH=(-O2 -Wall -Wextra -std=c11 -D_GNU_SOURCE)
if [[ $DRY == 1 ]]; then
	say "dry run: would compile helpgen.c: cc ${CFLAGS_BENCH[*]} -o $BIN_DIR/helpgen $HERE/helpgen.c -lcrypto"
else
	cc "${CFLAGS_BENCH[@]}" -o "$BIN_DIR/helpgen" "$HERE/helpgen.c" -lcrypto || die "helpgen.c did not compile"
fi
# run.sh's wrk script (each request of a list once), taken from run.sh so
# the two never drift apart.
LIST_LUA=$BIN_DIR/requests.lua
sed -n '/^cat >"\$LIST_LUA" <<.LUA.$/,/^LUA$/p' "$HERE/run.sh" | sed '1d;$d' >"$LIST_LUA"
grep -q 'function request' "$LIST_LUA" || die "could not take the wrk script from run.sh"

# ------------------------------------------------------------------ nginx

NGINX_CONF=$CLUSTER_DIR/nginx.conf
nginx_reload() {
	nginx -p "$CLUSTER_DIR/" -c "$NGINX_CONF" -e "$CLUSTER_DIR/nginx-error.log" -s reload
	sleep 1
}
# Keeps the first $1 app hosts in the upstream.
upstream_hosts() {
	local keep=$1
	awk -v keep="$keep" '
		/upstream kanjia_apps \{/ { inside = 1; n = 0; print; next }
		inside && /^[[:space:]]*server / { n++; if (n > keep) { print "#" $0; next } }
		inside && /\}/ { inside = 0 }
		{ print }
	' "$OUT/nginx.conf.orig" >"$NGINX_CONF"
	nginx_reload
}
restore() {
	if [[ -f $OUT/nginx.conf.orig && $HAVE_CLUSTER == yes ]]; then
		cp "$OUT/nginx.conf.orig" "$NGINX_CONF"
		nginx_reload || true
	fi
	! declare -F replica_config_restore >/dev/null || replica_config_restore
}
trap restore EXIT

# ------------------------------------------------------------------ R: primary + read replica

rdb() { mariadb --no-defaults --socket="$REPLICA_DIR/primary/mysqld.sock" -u root -N -B kanjia "$@"; }
# The app host's master: kanjiad's pid file in .run/replica/app/.
replica_master() { cat "$REPLICA_DIR/app/kanjiad.pid"; }
# Sets db_read_host in the app host's config to $1 (empty: no replica)
# and reloads it (SIGHUP: a new generation of workers reads it).
replica_config_set() {
	[[ -f $RCONF.bench-orig ]] || cp "$RCONF" "$RCONF.bench-orig"
	sed -e "s|^db_read_host = .*|db_read_host = $1|" "$RCONF.bench-orig" >"$RCONF.tmp"
	chmod 600 "$RCONF.tmp"
	mv "$RCONF.tmp" "$RCONF"
	kill -HUP "$(replica_master)"
	sleep 3 # the old generation drains, the new one connects
}
replica_config_restore() {
	[[ -f $RCONF.bench-orig ]] || return 0
	mv "$RCONF.bench-orig" "$RCONF"
	kill -HUP "$(replica_master)" 2>/dev/null || true
}
# A /metrics sample of the read door (0 when absent).
replica_metric() {
	curl -s --max-time 5 "$RBASE/metrics" | awk -v name="$1" '$1 == name { print $2; found = 1 } END { if (!found) print 0 }'
}

declare -A RREAD RHELP RDOOR
# One R run under tag $1: helps over many bargains and the dashboard read
# at once for SECONDS_PER_RUN; RREAD and RHELP get both rates, RDOOR where
# the reads went.
replica_run() {
	local tag=$1 list=$OUT/$1.list helps_log=$OUT/$1-helps.txt reads_log=$OUT/$1-reads.txt
	local replica_before fallback_before help_pid
	"$BIN_DIR/helpgen" -f "$RCONF" -H "$OUT/r-helpers.ids" -m many -B "$OUT/r-bargains.codes" -o "$RNEXT" \
		-n "$LIST_SIZE" >"$list"
	RNEXT=$((RNEXT + LIST_SIZE))
	replica_before=$(replica_metric kanjia_db_replica_reads_total)
	fallback_before=$(replica_metric 'kanjia_db_replica_fallbacks_total{reason="lag"}')
	BENCH_LIST=$list BENCH_LIST_STRIDE=2 timeout $((SECONDS_PER_RUN + 60)) \
		wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 10s -s "$LIST_LUA" "$RBASE/" >"$helps_log" 2>&1 &
	help_pid=$!
	timeout $((SECONDS_PER_RUN + 60)) wrk -t1 -c"$READ_CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 10s \
		-H "Authorization: Bearer $RTOKEN" "$RBASE/api/v1/admin/campaigns/$RCAMPAIGN/stats" >"$reads_log" 2>&1 ||
		die "wrk failed for the reads of $tag (see $reads_log)"
	wait "$help_pid" || die "wrk failed for the helps of $tag (see $helps_log)"
	RHELP[$tag]=$(awk '/^Requests\/sec:/ { print $2 }' "$helps_log")
	RREAD[$tag]=$(awk '/^Requests\/sec:/ { print $2 }' "$reads_log")
	# Counters of the door only move with db_read_host set: RP shows +0, +0.
	RDOOR[$tag]="replica +$(($(replica_metric kanjia_db_replica_reads_total) - replica_before))"
	RDOOR[$tag]+=", lag fallbacks +$(($(replica_metric 'kanjia_db_replica_fallbacks_total{reason="lag"}') - fallback_before))"
	say "$tag: dashboard ${RREAD[$tag]} req/s, helps ${RHELP[$tag]} req/s; reads: ${RDOOR[$tag]}"
	sleep 2
}

# Seeds the replica setup (helpers, bargains, an admin) and runs RR, RP.
replica_stage() {
	local password username
	# The host of the setup's own config (a run cut short leaves its copy).
	local source=$RCONF
	[[ -f $RCONF.bench-orig ]] && source=$RCONF.bench-orig
	RHOST=$(sed -n 's/^db_read_host = //p' "$source")
	[[ -n $RHOST ]] || die "${RCONF#"$ROOT"/} names no db_read_host"
	if [[ $DRY == 1 ]]; then
		say "dry run, stage R on ${REPLICA_DIR#"$ROOT"/}: would seed $RHELPERS helpers and $BARGAINS bargains" \
			"on the primary, create an admin with kanjiad -c $RCONF create-admin, log in at $RBASE/api/v1/admin/login"
		say "dry run: RR: db_read_host = $RHOST, kill -HUP $(replica_master);" \
			"wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s -s $LIST_LUA $RBASE/ (helps) with" \
			"wrk -t1 -c$READ_CONNECTIONS -d${SECONDS_PER_RUN}s $RBASE/api/v1/admin/campaigns/<id>/stats (dashboard)"
		say "dry run: RP: the same with db_read_host emptied; then the config restored and reloaded"
		say "dry run: /metrics now: replica reads $(replica_metric kanjia_db_replica_reads_total)," \
			"lag $(replica_metric kanjia_db_replica_lag_seconds) s"
		return 0
	fi
	say "stage R: seeding the replica setup's primary"
	rdb -e "INSERT IGNORE INTO shopper (phone, created_at)
	        SELECT CONCAT('183', LPAD(seq, 8, '0')), UTC_TIMESTAMP() FROM seq_1_to_$RHELPERS"
	rdb -e "INSERT IGNORE INTO shopper (phone, created_at)
	        SELECT CONCAT('184', LPAD(seq, 8, '0')), UTC_TIMESTAMP() FROM seq_1_to_$BARGAINS"
	local tag
	tag=$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
	RCAMPAIGN=$(rdb -e "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at)
		VALUES ('replica bench $tag', UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 30 DAY,
		        UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
	local item
	item=$(rdb -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
		stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
		bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at)
		VALUES ($RCAMPAIGN, 'bench item', '[]', $ITEM_PRICE_FEN, 0, 1000, 1000, 1, 2, NULL, 1, 1000000, 1, NULL,
		        604800, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
	rdb -e "INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen,
		current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
		helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at)
		SELECT $RCAMPAIGN, $item, s.id, SUBSTR(MD5(CONCAT('$tag', s.id)), 1, 16), $ITEM_PRICE_FEN, 0,
		$ITEM_PRICE_FEN, 1, 2, NULL, 1, 1000000, NULL, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY
		FROM shopper s WHERE s.phone LIKE '184%' ORDER BY s.id LIMIT $BARGAINS"
	rdb -e "SELECT id FROM shopper WHERE phone LIKE '183%' ORDER BY id LIMIT $RHELPERS" >"$OUT/r-helpers.ids"
	rdb -e "SELECT share_code FROM bargain WHERE campaign_id = $RCAMPAIGN ORDER BY id" >"$OUT/r-bargains.codes"
	username=bench$tag
	password=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$password" | "${KANJIA_BIN:-$ROOT/build/dev/fcgi/kanjiad}" \
		-c "$RCONF" create-admin "$username" owner >/dev/null || die "create-admin failed"
	RTOKEN=$(curl -s --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"username\":\"$username\",\"password\":\"$password\"}" "$RBASE/api/v1/admin/login" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[[ -n $RTOKEN ]] || die "the bench admin could not log in at $RBASE"
	RNEXT=0
	say "stage RR: the dashboard on the replica, helps on the primary"
	replica_config_set "$RHOST"
	replica_run RR
	say "stage RP: the dashboard and the helps on the primary"
	replica_config_set ""
	replica_run RP
	replica_config_restore
}

# ------------------------------------------------------------------ data
if [[ $HAVE_CLUSTER == yes && $DRY == 1 ]]; then
	say "dry run, the cluster stages: would seed $HELPERS helpers, $BARGAINS bargains, $ORDER_ITEMS items on" \
		"${CLUSTER_DIR#"$ROOT"/}, then run N1 N2 N3 GB GI GM (wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s)"
	HAVE_CLUSTER=dry
fi
if [[ $HAVE_CLUSTER == yes ]]; then
cp "$NGINX_CONF" "$OUT/nginx.conf.orig"

say "seeding: $HELPERS helpers, $BARGAINS bargains, $ORDER_ITEMS items"
db -e "INSERT IGNORE INTO shopper (phone, created_at)
       SELECT CONCAT('181', LPAD(seq, 8, '0')), UTC_TIMESTAMP() FROM seq_1_to_$HELPERS"
db -e "INSERT IGNORE INTO shopper (phone, created_at)
       SELECT CONCAT('182', LPAD(seq, 8, '0')), UTC_TIMESTAMP() FROM seq_1_to_$((BARGAINS + 20))"
TAG=$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
CAMPAIGN=$(db -e "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at)
	VALUES ('cluster bench $TAG', UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 30 DAY,
	        UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
ITEM=$(db -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
	stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
	bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at)
	VALUES ($CAMPAIGN, 'bench item', '[]', $ITEM_PRICE_FEN, 0, 1000, 1000, 1, 2, NULL, 1, 1000000, 1, NULL,
	        604800, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID()")
BARGAIN_INSERT="INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen,
	current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
	helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at)"
BARGAIN_VALUES="$CAMPAIGN, $ITEM, s.id, SUBSTR(MD5(CONCAT('$TAG', s.id)), 1, 16), $ITEM_PRICE_FEN, 0,
	$ITEM_PRICE_FEN, 1, 2, NULL, 1, 1000000, NULL, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY"
db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.phone LIKE '182%' ORDER BY s.id LIMIT $BARGAINS"
db -e "SELECT id FROM shopper WHERE phone LIKE '181%' ORDER BY id LIMIT $HELPERS" >"$OUT/helpers.ids"
db -e "SELECT share_code FROM bargain WHERE campaign_id = $CAMPAIGN ORDER BY id" >"$OUT/bargains.codes"
HOT_OWNER=$(db -e "SELECT id FROM shopper WHERE phone LIKE '182%' ORDER BY id LIMIT $BARGAINS, 1")
HOT_CODE=$(db -e "$BARGAIN_INSERT SELECT $BARGAIN_VALUES FROM shopper s WHERE s.id = $HOT_OWNER;
	SELECT share_code FROM bargain WHERE id = LAST_INSERT_ID()")
db -e "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen,
	stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day,
	bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at)
	SELECT $CAMPAIGN, CONCAT('order item ', seq), '[]', 9900, 0, 100000000, 100000000, 1, 2, NULL, 1, 1, 1, NULL,
	       86400, 900, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP() FROM seq_1_to_$((ORDER_ITEMS + 1))"
db -e "SELECT id FROM campaign_item WHERE campaign_id = $CAMPAIGN AND id <> $ITEM ORDER BY id LIMIT 1" \
	>"$OUT/hot-item.ids"
db -e "SELECT id FROM campaign_item WHERE campaign_id = $CAMPAIGN AND id <> $ITEM ORDER BY id LIMIT 1, $ORDER_ITEMS" \
	>"$OUT/items.ids"

NEXT=0 # the next unused index of helpgen's pairs and order keys
# Writes a list of LIST_SIZE requests to $1 for helpgen mode $2.
make_list() {
	local file=$1 mode=$2
	case $mode in
	many) "$BIN_DIR/helpgen" -f "$CONF" -H "$OUT/helpers.ids" -m many -B "$OUT/bargains.codes" -o "$NEXT" \
		-n "$LIST_SIZE" >"$file" ;;
	hot) "$BIN_DIR/helpgen" -f "$CONF" -H "$OUT/helpers.ids" -m hot -c "$HOT_CODE" -o "$NEXT" \
		-n "$LIST_SIZE" >"$file" ;;
	hot-item | many-items)
		local items=$OUT/items.ids
		[[ $mode == hot-item ]] && items=$OUT/hot-item.ids
		"$BIN_DIR/helpgen" -f "$CONF" -H "$OUT/helpers.ids" -m orders -I "$items" -k "cb-$TAG-$mode" \
			-o "$NEXT" -n "$LIST_SIZE" >"$file" ;;
	esac
	NEXT=$((NEXT + LIST_SIZE))
}

# ------------------------------------------------------------------ runs

declare -A RATE OK CONFLICTS
# One wrk run of list mode $2 under tag $1: RATE, OK (2xx answers) and
# CONFLICTS per acknowledged request.
run() {
	local tag=$1 mode=$2 log=$OUT/$1-wrk.txt before after total errors
	make_list "$OUT/$tag.list" "$mode"
	before=$(conflicts)
	BENCH_LIST=$OUT/$tag.list BENCH_LIST_STRIDE=2 timeout $((SECONDS_PER_RUN + 60)) \
		wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 10s -s "$LIST_LUA" "$BASE/" >"$log" 2>&1 ||
		die "wrk failed for $tag (see $log)"
	after=$(conflicts)
	total=$(awk '/requests in/ { print $1 }' "$log")
	errors=$(awk '/Non-2xx or 3xx responses:/ { e += $NF } END { print e + 0 }' "$log")
	RATE[$tag]=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
	OK[$tag]=$((total - errors))
	CONFLICTS[$tag]=$(awk -v c=$((after - before)) -v n="${OK[$tag]}" 'BEGIN { if (n > 0) printf "%.4f", c / n; else print "-" }')
	say "$tag: ${RATE[$tag]} req/s, ${OK[$tag]} acknowledged, $errors errors, ${CONFLICTS[$tag]} conflicts per request"
	sleep 2
}

for n in 1 2 3; do
	say "stage N$n: helps over $BARGAINS bargains, $n app host(s)"
	upstream_hosts "$n"
	run "N$n" many
done
upstream_hosts 3
say "stage GB: helps on one hot bargain"
run GB hot
say "stage GI: orders on one hot item"
run GI hot-item
say "stage GM: orders over $ORDER_ITEMS items"
run GM many-items

printf '\ncluster bench, %s s per run, %d connections, %d CPUs on this machine\n' "$SECONDS_PER_RUN" "$CONNECTIONS" \
	"$(nproc)"
printf '%-4s %-44s %10s %12s %12s\n' stage what req/s acknowledged conflicts/req
printf '%-4s %-44s %10s %12s %12s\n' N1 "helps, many bargains, 1 app host" "${RATE[N1]}" "${OK[N1]}" "${CONFLICTS[N1]}"
printf '%-4s %-44s %10s %12s %12s\n' N2 "helps, many bargains, 2 app hosts" "${RATE[N2]}" "${OK[N2]}" "${CONFLICTS[N2]}"
printf '%-4s %-44s %10s %12s %12s\n' N3 "helps, many bargains, 3 app hosts" "${RATE[N3]}" "${OK[N3]}" "${CONFLICTS[N3]}"
printf '%-4s %-44s %10s %12s %12s\n' GB "helps, one hot bargain, 3 nodes" "${RATE[GB]}" "${OK[GB]}" "${CONFLICTS[GB]}"
printf '%-4s %-44s %10s %12s %12s\n' GI "orders, one hot item, 3 nodes" "${RATE[GI]}" "${OK[GI]}" "${CONFLICTS[GI]}"
printf '%-4s %-44s %10s %12s %12s\n' GM "orders, $ORDER_ITEMS items, 3 nodes" "${RATE[GM]}" "${OK[GM]}" "${CONFLICTS[GM]}"
fi # HAVE_CLUSTER

if [[ $HAVE_REPLICA == yes ]]; then
	replica_stage
	if [[ $DRY != 1 ]]; then
		printf '\nprimary + read replica, %s s per run, helps wrk -c%d, dashboard wrk -c%d, %d CPUs\n' \
			"$SECONDS_PER_RUN" "$CONNECTIONS" "$READ_CONNECTIONS" "$(nproc)"
		printf '%-4s %-44s %12s %10s  %s\n' stage what dashboard/s helps/s "reads went to"
		printf '%-4s %-44s %12s %10s  %s\n' RR "dashboard on the replica, helps on the primary" "${RREAD[RR]}" \
			"${RHELP[RR]}" "${RDOOR[RR]}"
		printf '%-4s %-44s %12s %10s  %s\n' RP "everything on the primary" "${RREAD[RP]}" "${RHELP[RP]}" \
			"${RDOOR[RP]}"
	fi
else
	echo "primary + read replica: not measured (run ./dev replica up first)"
fi
