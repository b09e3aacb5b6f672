#!/usr/bin/env bash
# tests/bench/cluster.sh — what scale-out buys (issue 17), on `./dev cluster up`.
#
#   ./dev cluster up && bash tests/bench/cluster.sh          # ~2 minutes
#   BENCH_QUICK=1 bash tests/bench/cluster.sh                # a smoke run, ~30 s
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
# The primary + read replica comparison is not measured: kanjiad has no
# db_read_host yet (README, Scale-out).
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

say() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'cluster bench: error: %s\n' "$*" >&2
	exit 1
}

[[ -S $CLUSTER_DIR/node1/mysqld.sock && -f $CONF && -s $CLUSTER_DIR/nginx.pid ]] ||
	die "no cluster at ${CLUSTER_DIR#"$ROOT"/}: run ./dev cluster up first"
command -v wrk >/dev/null || die "wrk is missing (./dev installs it)"
mkdir -p "$OUT" "$BIN_DIR"

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
cc "${CFLAGS_BENCH[@]}" -o "$BIN_DIR/helpgen" "$HERE/helpgen.c" -lcrypto || die "helpgen.c did not compile"
# run.sh's wrk script (each request of a list once), taken from run.sh so
# the two never drift apart.
LIST_LUA=$BIN_DIR/requests.lua
sed -n '/^cat >"\$LIST_LUA" <<.LUA.$/,/^LUA$/p' "$HERE/run.sh" | sed '1d;$d' >"$LIST_LUA"
grep -q 'function request' "$LIST_LUA" || die "could not take the wrk script from run.sh"

# ------------------------------------------------------------------ nginx

NGINX_CONF=$CLUSTER_DIR/nginx.conf
cp "$NGINX_CONF" "$OUT/nginx.conf.orig"
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
	if [[ -f $OUT/nginx.conf.orig ]]; then
		cp "$OUT/nginx.conf.orig" "$NGINX_CONF"
		nginx_reload || true
	fi
}
trap restore EXIT

# ------------------------------------------------------------------ data

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
echo "primary + read replica: not measured (kanjiad has no db_read_host; see README, Scale-out)"
