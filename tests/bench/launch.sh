# shellcheck shell=bash
# tests/bench/launch.sh: issue 13's two stages, sourced by run.sh after its
# help and order stages are defined (it uses their helpers: make_list,
# make_order_list, saturate, open_loop, check_helps, check_orders, db, ...).
#
# M, the launch-day mix: an open-loop mix over the 10,000 bench bargains of
# 70% share landings (GET /s/{code}, each from its own visitor address),
# 15% helps (helpgen's "many" pairs), 10% campaign reads (the order
# campaign's first page of its 1,001 items, and the public list) and 5%
# orders (helpgen's orders over the 1,000 items). Saturation by wrk over the
# list, then the open loop at LOAD_PERCENT of it; reported as a ratio to B,
# with its p99 (target < 50 ms) and 0 errors. After each run the cut
# invariants (check_helps) and the stock invariants (check_orders) hold.
#
# P, the PHP-FPM reference: Debian's php8.2-fpm with php8.2-mysql (./dev
# bench installs them on demand) runs a naive bargain plugin's help behind
# the same nginx: in one transaction, insert the help row, then update the
# bargain conditionally (no session, no limits, no anti-fraud, no stats).
# Same (helper, bargain) pairs as H2 (helpgen's mapping, fresh indexes), so
# H2/P is kanjia's help against the script on the same box, in the same run
# (target >= 1.0x). Skipped, with a note, if php-fpm8.2 is not installed.

MIX_RATE_CAP=$(knob BENCH_MIX_RATE_CAP 20000 500000) # list lines per second of a wrk run
PHP_FPM_PID=''
PHP_NOTE=''
PHP_DIR=$RUN/bench-php

# Writes a mix list of $2 requests to $1 (see the header): per 20 requests
# 14 landings, 3 helps, 2 campaign reads, 1 order, interleaved.
make_mix_list() {
	local file=$1 count=$2 helps orders
	helps=$(((count * 3 + 19) / 20))
	orders=$(((count + 19) / 20))
	make_list "$file.helps" many "$helps"
	make_order_list "$file.orders" many "$orders"
	awk -v n="$count" -v campaign="$ORDER_CAMPAIGN_ID" -v salt="$RANDOM" '
		FILENAME == ARGV[1] { codes[nc++] = $0; next }
		FILENAME == ARGV[2] { helps[nh++] = $0; next }
		FILENAME == ARGV[3] { orders[no++] = $0; next }
		END {
			for (k = 0; k < n; k++) {
				p = k % 20
				if (p == 3 || p == 10 || p == 17) print helps[h++]
				else if (p == 13) print orders[o++]
				else if (p == 6) printf "GET /api/v1/campaigns/%s\n", campaign
				else if (p == 16) print "GET /api/v1/campaigns"
				else {
					v = (k * 7919 + salt * 104729) % 1000000
					printf "GET /api/v1/s/%s\tX-Forwarded-For: 10.%d.%d.%d\n", codes[(k * 7919) % nc],
						int(v / 65536) % 256, int(v / 256) % 256, v % 256
				}
			}
		}' "$MANY_CODES" "$file.helps" "$file.orders" >"$file" || die "writing the mix list failed"
	MIX_HELPS=$helps
	MIX_ORDERS=$orders
	rm -f "$file.helps" "$file.orders"
}

# The mix stage $1 in round $2.
mix_stage() {
	local name=$1 round=$2 key=$1:$2 list=$BARGAIN_DIR/mix.list helps_before orders_before rate count
	make_mix_list "$list" $((MIX_RATE_CAP * DURATION))
	helps_before=$(helps_on "$MANY_LO" "$MANY_HI")
	orders_before=$(orders_placed)
	export BENCH_LIST=$list
	saturate "$name-r$round" "$BASE/" "$CONNECTIONS" -s "$LIST_LUA"
	grep -q 'exhausted=1' "$OUT/$name-r$round-wrk.txt" &&
		warn "$name round $round used its whole list: its rate is a lower bound (raise BENCH_MIX_RATE_CAP)"
	# Invariants only: the 2xx count mixes landings, reads, helps and orders.
	check_helps "$key:sat" "$MANY_LO" "$MANY_HI" "$helps_before" 0 "$MIX_HELPS"
	check_orders "$key:osat" "$orders_before" 0 "$MIX_ORDERS"
	RESULT[$key:rate]=$SAT_RATE
	RESULT[$key:errors]=$SAT_ERRORS
	RESULT[$key:requests]=$SAT_TOTAL
	RESULT[$key:cpu]=$SAT_CPU
	RESULT[$key:db]=$SAT_DB
	rate=$(awk -v r="$SAT_RATE" -v p="$LOAD_PERCENT" 'BEGIN { x = r * p / 100; if (x < 1) x = 1; printf "%.1f", x }')
	count=$(awk -v r="$rate" -v d="$OPEN_DURATION" 'BEGIN { printf "%d", r * d + 2 }')
	make_mix_list "$list" "$count"
	helps_before=$(helps_on "$MANY_LO" "$MANY_HI")
	orders_before=$(orders_placed)
	open_loop "$name-r$round" "$BASE/" "$SAT_RATE" -f "$list"
	check_helps "$key:open" "$MANY_LO" "$MANY_HI" "$helps_before" 0 "$MIX_HELPS"
	check_orders "$key:oopen" "$orders_before" 0 "$MIX_ORDERS"
	RESULT[$key:p50]=$OPEN_P50
	RESULT[$key:p99]=$OPEN_P99
	RESULT[$key:errors]=$((SAT_ERRORS + OPEN_ERRORS))
	RESULT[$key:requests]=$((SAT_TOTAL + OPEN_TOTAL))
	RESULT[$key:open]=$OPEN_RATE/$OPEN_TARGET
	say "  $name: $SAT_RATE req/s saturated; at $OPEN_TARGET req/s: p50 $OPEN_P50 ms, p99 $OPEN_P99 ms;" \
		"errors $((SAT_ERRORS + OPEN_ERRORS))"
}

# ------------------------------------------------------------ PHP-FPM

# Starts php-fpm8.2 on its own socket (as many children as the pool has
# workers) with the help script, and routes /bench/php-help to it through
# the nginx that serves the API (nginx.d/, or the private copy's dir).
php_setup() {
	local fpm include_dir include_file nginx_args
	fpm=$(command -v php-fpm8.2 || true)
	[[ -z $fpm && -x /usr/sbin/php-fpm8.2 ]] && fpm=/usr/sbin/php-fpm8.2
	if [[ -z $fpm ]]; then
		PHP_NOTE="php-fpm8.2 is not installed (./dev bench installs php8.2-fpm and php8.2-mysql): P skipped"
		warn "$PHP_NOTE"
		return 0
	fi
	mkdir -p "$PHP_DIR"
	rm -f "$PHP_DIR/php-fpm.sock"
	cat >"$PHP_DIR/db.php" <<-PHP
		<?php
		// Written by tests/bench/run.sh: the bench instance's database.
		return ['user' => '$(conf_value db_user kanjia)', 'password' => '$(conf_value db_password '')',
		        'name' => '$(conf_value db_name kanjia)', 'socket' => '$DB_SOCKET'];
	PHP
	cat >"$PHP_DIR/help.php" <<-'PHP'
		<?php
		// Written by tests/bench/run.sh: a naive PHP bargain plugin's help, the
		// reference of issue 13. One transaction: insert the help row, then update
		// the bargain conditionally; nothing else (no session check, no limits,
		// no anti-fraud, no stats). Deadlocks are tried again, like the pool does.
		$config = require __DIR__ . '/db.php';
		mysqli_report(MYSQLI_REPORT_OFF);
		$db = new mysqli('p:localhost', $config['user'], $config['password'], $config['name'], 0, $config['socket']);
		header('Content-Type: application/json');
		if ($db->connect_errno) { http_response_code(503); echo '{"error":"unavailable"}'; exit; }
		$bargain = (int)($_GET['b'] ?? 0);
		$helper = (int)($_GET['h'] ?? 0);
		$cut = random_int(1, 2);
		$ip = $_SERVER['REMOTE_ADDR'] ?? '';
		for ($try = 0; $try < 5; $try++) {
		    $db->begin_transaction();
		    $insert = $db->prepare("INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, "
		        . "cut_fen, client_ip, created_at) SELECT id, campaign_id, cuts + 1, 'help', ?, ?, ?, ?, UTC_TIMESTAMP() "
		        . "FROM bargain WHERE id = ? AND status = 'active'");
		    $insert->bind_param('iiisi', $helper, $helper, $cut, $ip, $bargain);
		    $inserted = $insert->execute() && $insert->affected_rows === 1;
		    $error = $db->errno;
		    if ($inserted) {
		        $update = $db->prepare("UPDATE bargain SET current_price_fen = current_price_fen - ?, "
		            . "cut_total_fen = cut_total_fen + ?, helpers = helpers + 1, cuts = cuts + 1, last_cut_fen = ? "
		            . "WHERE id = ? AND status = 'active' AND current_price_fen - ? >= floor_price_fen");
		        $update->bind_param('iiiii', $cut, $cut, $cut, $bargain, $cut);
		        if ($update->execute() && $update->affected_rows === 1 && $db->commit()) {
		            echo json_encode(['cut_fen' => $cut]);
		            exit;
		        }
		        $error = $db->errno;
		    }
		    $db->rollback();
		    if ($error == 1213 || $error == 1205 || $error == 1062) continue; // deadlock, lock wait, a racing seq
		    http_response_code($inserted ? 410 : 404);
		    echo '{"error":"refused"}';
		    exit;
		}
		http_response_code(503);
		echo '{"error":"unavailable"}';
	PHP
	cat >"$PHP_DIR/php-fpm.conf" <<-EOF
		; Written by tests/bench/run.sh for the duration of a benchmark.
		[global]
		pid = $PHP_DIR/php-fpm.pid
		error_log = $OUT/php-fpm.log
		daemonize = no
		[bench]
		listen = $PHP_DIR/php-fpm.sock
		listen.mode = 0666
		listen.backlog = 511
		pm = static
		pm.max_children = $WORKERS
		pm.max_requests = 0
		catch_workers_output = yes
		php_admin_value[opcache.enable] = 1
	EOF
	local as_root=()
	((EUID == 0)) && as_root=(-R)
	if ((EUID == 0)); then
		printf 'user = root\ngroup = root\n' >>"$PHP_DIR/php-fpm.conf"
	fi
	"$fpm" "${as_root[@]}" -y "$PHP_DIR/php-fpm.conf" -F 2>>"$OUT/php-fpm.log" &
	PHP_FPM_PID=$!
	for ((i = 0; i < 50; i++)); do
		[[ -S $PHP_DIR/php-fpm.sock ]] && break
		kill -0 "$PHP_FPM_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! [[ -S $PHP_DIR/php-fpm.sock ]]; then
		php_skip "php-fpm did not start (see $OUT/php-fpm.log): P skipped"
		return 0
	fi
	if [[ -n $PRIVATE_NGINX_CONF ]]; then
		include_dir=$RUN/bench-nginx.d nginx_args=(-p "$RUN/" -c "$PRIVATE_NGINX_CONF" -e "$RUN/bench-nginx-error.log")
	else
		include_dir=$RUN/nginx.d nginx_args=(-p "$RUN/" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log")
	fi
	include_file=$include_dir/bench-php.conf
	cat >"$include_file" <<-EOF
		# Written by tests/bench/run.sh for the duration of a benchmark.
		location = /bench/php-help {
		    access_log off;
		    include /etc/nginx/fastcgi_params;
		    fastcgi_param SCRIPT_FILENAME $PHP_DIR/help.php;
		    fastcgi_keep_conn off;
		    fastcgi_read_timeout 15s;
		    fastcgi_pass unix:$PHP_DIR/php-fpm.sock;
		}
	EOF
	PHP_INCLUDE_FILE=$include_file
	if ! nginx "${nginx_args[@]}" -q -t; then
		php_skip "nginx refused $include_file: P skipped"
		return 0
	fi
	nginx "${nginx_args[@]}" -s reload || die "nginx reload failed"
	sleep 0.5
	local code
	code=$(http_code "$BASE/bench/php-help?b=0&h=0")
	if [[ $code != 404 ]]; then
		php_skip "GET /bench/php-help for no bargain answered $code, not the script's 404 (see $OUT/php-fpm.log): P skipped"
		return 0
	fi
	say "PHP-FPM reference on $PHP_DIR/php-fpm.sock ($WORKERS children), /bench/php-help"
}

# P cannot run: says why ($1), stops what php_setup started.
php_skip() {
	PHP_NOTE=$1
	warn "$PHP_NOTE"
	php_teardown
	PHP_FPM_PID=''
}

# shellcheck disable=SC2317 # run by run.sh's EXIT trap
php_teardown() {
	if [[ -n ${PHP_INCLUDE_FILE:-} && -f $PHP_INCLUDE_FILE ]]; then
		rm -f "$PHP_INCLUDE_FILE"
		if [[ -n $PRIVATE_NGINX_CONF ]]; then
			nginx -p "$RUN/" -c "$PRIVATE_NGINX_CONF" -e "$RUN/bench-nginx-error.log" -s reload 2>/dev/null
		else
			nginx_instance -s reload 2>/dev/null
		fi
	fi
	if [[ -n $PHP_FPM_PID ]] && kill -0 "$PHP_FPM_PID" 2>/dev/null; then
		kill -QUIT "$PHP_FPM_PID"
		wait "$PHP_FPM_PID" 2>/dev/null
	fi
}

# Writes $2 PHP help requests to $1: helpgen's "many" pairs from MANY_NEXT
# (helper j mod H on bargain (j div H + j mod H) mod B), by id.
make_php_list() {
	local file=$1 count=$2
	awk -v first="$MANY_NEXT" -v n="$count" '
		FILENAME == ARGV[1] { helper[nh++] = $0; next }
		{ bargain[nb++] = $0 }
		END {
			for (j = first; j < first + n; j++)
				printf "POST /bench/php-help?b=%s&h=%s\n", bargain[(int(j / nh) + j % nh) % nb], helper[j % nh]
		}' "$HELPER_IDS" "$MANY_IDS" >"$file" || die "writing the PHP list failed"
	MANY_NEXT=$((MANY_NEXT + count))
}

# The PHP reference P in round $2 (as H2: saturation, then the open loop).
php_stage() {
	local name=$1 round=$2 key=$1:$2 list=$BARGAIN_DIR/php.list before rate count
	[[ -n $PHP_FPM_PID ]] || return 0
	make_php_list "$list" $((HELP_RATE_CAP * DURATION))
	before=$(helps_on "$MANY_LO" "$MANY_HI")
	export BENCH_LIST=$list
	saturate "$name-r$round" "$BASE/" "$CONNECTIONS" -s "$LIST_LUA"
	grep -q 'exhausted=1' "$OUT/$name-r$round-wrk.txt" &&
		warn "$name round $round used its whole list: its rate is a lower bound (raise BENCH_HELP_RATE_CAP)"
	check_helps "$key:sat" "$MANY_LO" "$MANY_HI" "$before" "$SAT_OK" "$CONNECTIONS"
	RESULT[$key:rate]=$SAT_RATE
	RESULT[$key:errors]=$SAT_ERRORS
	RESULT[$key:requests]=$SAT_TOTAL
	RESULT[$key:cpu]=$SAT_CPU
	RESULT[$key:db]=$SAT_DB
	rate=$(awk -v r="$SAT_RATE" -v p="$LOAD_PERCENT" 'BEGIN { x = r * p / 100; if (x < 1) x = 1; printf "%.1f", x }')
	count=$(awk -v r="$rate" -v d="$OPEN_DURATION" 'BEGIN { printf "%d", r * d + 2 }')
	make_php_list "$list" "$count"
	before=$(helps_on "$MANY_LO" "$MANY_HI")
	open_loop "$name-r$round" "$BASE/" "$SAT_RATE" -f "$list"
	check_helps "$key:open" "$MANY_LO" "$MANY_HI" "$before" $((OPEN_TOTAL - OPEN_BAD)) $((CONNECTIONS + OPEN_TIMEOUTS))
	RESULT[$key:p50]=$OPEN_P50
	RESULT[$key:p99]=$OPEN_P99
	RESULT[$key:errors]=$((SAT_ERRORS + OPEN_ERRORS))
	RESULT[$key:requests]=$((SAT_TOTAL + OPEN_TOTAL))
	say "  $name: $SAT_RATE help/s saturated (PHP-FPM); at $OPEN_TARGET req/s: p50 $OPEN_P50 ms, p99 $OPEN_P99 ms;" \
		"errors $((SAT_ERRORS + OPEN_ERRORS))"
}

# The rows and verdicts of M and P, after the table's other rows.
launch_report() {
	local m b h2 p m_over_b h2_over_p m_p99 checks
	echo
	echo "Issue 13: the launch-day mix (M: 70% landings, 15% helps, 10% campaign reads, 5% orders over"
	echo "$HELP_BARGAINS bargains) and the PHP-FPM reference (P: insert the help row, update the bargain conditionally):"
	print_row "M launch-day mix" M "$CONNECTIONS"
	if [[ -n $PHP_FPM_PID ]]; then
		print_row "P PHP-FPM two-statement help" P "$CONNECTIONS"
	else
		printf '%-30s %5s %10s %9s %9s %8s  (%s)\n' "P PHP-FPM two-statement help" - - - - - "$PHP_NOTE"
	fi
	m=$(median M rate)
	b=$(median B rate)
	h2=$(median H2 rate)
	p=$(median P rate)
	m_over_b=$(ratio "$m" "$b")
	m_p99=$(median M p99)
	h2_over_p=$(awk -v a="$h2" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	# grep -c exits 1 when no line fails (and 2 for a file an earlier
	# stage did not write): neither may stop the report.
	checks=$({ grep -c "^FAIL M:" "$OUT/checks.txt" "$OUT/order-checks.txt" 2>/dev/null || true; } |
		awk -F: '{ s += $NF } END { print s + 0 }')
	echo "M/B saturation        $m_over_b% of B"
	echo "M p99 at $LOAD_PERCENT%          $m_p99 ms   (target < $TARGET_BARGAIN_P99_MS ms)   $(verdict "$m_p99" '<' "$TARGET_BARGAIN_P99_MS" "$(total M errors)")"
	echo "M errors              $(total M errors)   (target 0)   $(verdict "$(total M errors)" '==' 0); cut and stock invariants $([[ $checks == 0 ]] && echo PASS || echo FAIL)"
	echo "H2/P (kanjia over PHP) ${h2_over_p}x   (target >= 1.0x)   $(verdict "$h2_over_p" '>=' 1.0 "$(total H2 errors)" "$(total P errors)")"
}
