# shellcheck shell=bash
# tests/bench/promos.sh — issue 14's speed check, sourced by run.sh after
# its order stages are defined: O2P is O2 (orders over the 1,000 items) with
# five promotions live on the order campaign, each round right after O2.
#
# The five, made once through the admin API (an owner "benchadmin" made or
# reset with kanjiad create-admin / reset-admin-password) and kept disabled
# between O2P runs so no other stage sees them:
#   full_reduction  满99减5 (every order reaches it)
#   timed_discount  90% on the first 20 of the many items (its most)
#   first_order     5% off (bench orders are never paid: every one is a first)
#   member_price    95% for level 1 (no bench shopper has it: loaded, not applied)
#   gift            a gift on every order, stock 10,000,000
# So an O2P order prices five kinds, takes discounts (the order's transaction,
# not the one-CALL plain order) and writes its gift. Target: O2P within 10%
# of O2's throughput (issue 14, "Speed").

PROMO_ADMIN=benchadmin
PROMO_TOKEN=''
PROMO_IDS=()
PROMO_NOTE=''
TARGET_PROMO_RATIO=90

# Calls the admin API: method $1, path $2 (after /api/v1), JSON body $3;
# prints the answer's body; returns 1 (and warns) unless it is 2xx.
promo_api() {
	local method=$1 path=$2 body=${3:-} out code
	local args=(-s -w '\n%{http_code}' --max-time 10 -X "$method" -H 'Content-Type: application/json')
	[[ -n $PROMO_TOKEN ]] && args+=(-H "Authorization: Bearer $PROMO_TOKEN")
	[[ -n $body ]] && args+=(-d "$body")
	out=$(curl "${args[@]}" "$BASE/api/v1$path") || return 1
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	if [[ $code != 2* ]]; then
		warn "promotions: $method $path answered $code: $out"
		return 1
	fi
	printf '%s' "$out"
}

# Field $2 (a Python expression on d) of the JSON text $1.
json_get() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

promo_setup() {
	local password answer ids first20 existing
	password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
	if ! printf '%s\n' "$password" | "$KANJIA_BIN" -c "$CONF" create-admin "$PROMO_ADMIN" owner >/dev/null 2>&1 &&
		! printf '%s\n' "$password" | "$KANJIA_BIN" -c "$CONF" reset-admin-password "$PROMO_ADMIN" >/dev/null 2>&1; then
		PROMO_NOTE="skipped: could not make the admin $PROMO_ADMIN"
		return 0
	fi
	answer=$(promo_api POST /admin/login "{\"username\": \"$PROMO_ADMIN\", \"password\": \"$password\"}") ||
		{ PROMO_NOTE="skipped: the admin login failed"; return 0; }
	PROMO_TOKEN=$(json_get "$answer" 'd["token"]')
	existing=$(promo_api GET "/admin/campaigns/$ORDER_CAMPAIGN_ID/promotions") || die "listing the bench promotions failed"
	# a timed discount lists at most 20 items (PRICE_LINES_MAX)
	first20=$(head -n 20 "$ORDER_MANY_IDS" | awk '{ printf "%s{\"item_id\": %s, \"percent\": 90}", (NR > 1 ? ", " : ""), $1 }')
	local bodies=(
		'{"kind": "full_reduction", "title": "bench O2P 满99减5", "config": {"tiers": [{"threshold_fen": 9900, "off_fen": 500}]}}'
		"{\"kind\": \"timed_discount\", \"title\": \"bench O2P 9折\", \"config\": {\"items\": [$first20]}}"
		'{"kind": "first_order", "title": "bench O2P 新客95折", "config": {"percent": 95}}'
		'{"kind": "member_price", "title": "bench O2P 会员95折", "config": {"levels": [{"level": 1, "percent": 95}]}}'
		'{"kind": "gift", "title": "bench O2P 赠品", "config": {"gifts": [{"name": "bench gift", "stock": 10000000, "threshold_fen": 0}]}}'
	)
	local body title id
	ids=''
	for body in "${bodies[@]}"; do
		title=$(json_get "$body" 'd["title"]')
		# made by an earlier run: kept (disabled), found by its title
		id=$(json_get "$existing" "next((str(p['id']) for p in d['items'] if p['title'] == '$title'), '')")
		if [[ -z $id ]]; then
			answer=$(promo_api POST "/admin/campaigns/$ORDER_CAMPAIGN_ID/promotions" "$body") ||
				die "creating a bench promotion failed: $body"
			id=$(json_get "$answer" 'd["id"]')
		fi
		ids+=" $id"
	done
	read -r -a PROMO_IDS <<<"$ids"
	((${#PROMO_IDS[@]} == 5)) || die "expected 5 bench promotions, have ${#PROMO_IDS[@]}"
	promo_enabled false
	say "  promotions for O2P: ${PROMO_IDS[*]} (disabled between runs)"
}

# Enables ($1 true) or disables ($1 false) the five.
promo_enabled() {
	local id
	for id in "${PROMO_IDS[@]}"; do
		promo_api PATCH "/admin/promotions/$id" "{\"enabled\": $1}" >/dev/null ||
			die "could not set enabled=$1 on bench promotion $id"
	done
	sleep 0.5 # every worker's promotion cache follows the campaign's version on its next order
}

# O2P in round $2 as stage $1.
promo_stage() {
	if [[ -n $PROMO_NOTE ]]; then
		return 0
	fi
	promo_enabled true
	order_stage "$1" "$2" "$CONNECTIONS"
	promo_enabled false
}

promo_report() {
	local o2 o2p ratio
	echo
	echo "Issue 14: O2 with five promotions live on its items (full reduction, timed discount, first order,"
	echo "member price, a gift on every order):"
	if [[ -n $PROMO_NOTE ]]; then
		printf '%-30s %5s %10s %9s %9s %8s  (%s)\n' "O2P order, 5 promotions" - - - - - "$PROMO_NOTE"
		return 0
	fi
	print_row "O2P order, 5 promotions" O2P "$CONNECTIONS"
	o2=$(median O2 rate)
	o2p=$(median O2P rate)
	ratio=$(ratio "$o2p" "$o2")
	echo "O2P/O2 throughput     $ratio%   (target >= $TARGET_PROMO_RATIO%)   $(verdict "$ratio" '>=' "$TARGET_PROMO_RATIO" "$(total O2P errors)")"
	echo "O2P statements/order  $(db_field O2P 1) (O2: $(db_field O2 1))"
}
