# shellcheck shell=bash
# tests/bench/workers.sh — the pool-size sweep of issue 13, sourced by
# run.sh: `./dev bench workers`.
#
# For each pool size in BENCH_SWEEP_WORKERS (default "2 4 8 16 32") the
# instance's config gets `workers = N`, the pool reloads (a reload forks the
# new generation and drains the old), and each round runs three stages the
# way the full bench runs them: H2 (helps over the many bargains), L (the
# share landing) and O1 (orders on one hot item), each a wrk saturation run
# and an open loop at LOAD_PERCENT of it, with the cut and stock checks
# after every run. The table shows per size the median saturation and the
# open loop's p99; README "Pool size" takes its default from it. The
# instance's config is put back on exit (run.sh's cleanup stops the pool).

SWEEP_WORKERS=${BENCH_SWEEP_WORKERS:-2 4 8 16 32}

# Sets workers = $1 in the instance's config and reloads the pool.
sweep_resize() {
	local workers=$1
	grep -q '^workers = ' "$CONF" || die "no 'workers = ' line in $CONF"
	sed -i "s/^workers = .*/workers = $workers/" "$CONF"
	pool_reload || die "the pool did not reload with $workers workers"
	# The old generation finishes its requests while the new one starts.
	sleep 2
}

sweep_workers() {
	local workers round saved
	saved=$(grep '^workers = ' "$CONF")
	for workers in $SWEEP_WORKERS; do
		say "pool of $workers workers"
		sweep_resize "$workers"
		for ((round = 1; round <= ROUNDS; round++)); do
			help_stage "H2w$workers" "$round" "$CONNECTIONS"
			stage "Lw$workers" "$round" "$BASE/api/v1/s/$LANDING_CODE"
			order_stage "O1w$workers" "$round" "$CONNECTIONS"
		done
	done
	sed -i "s/^workers = .*/${saved}/" "$CONF"
}

sweep_report() {
	local workers stage checks=PASS round
	echo
	echo "kanjia pool-size sweep — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $ROUNDS rounds (medians)," \
		"wrk -c$CONNECTIONS ${DURATION}s, open loop at $LOAD_PERCENT% for ${OPEN_DURATION}s"
	printf '%-8s %12s %9s %12s %9s %12s %9s %8s  %s\n' workers "H2 help/s" "p99 ms" "L req/s" "p99 ms" \
		"O1 ord/s" "p99 ms" errors checks
	for workers in $SWEEP_WORKERS; do
		checks=PASS
		for ((round = 1; round <= ROUNDS; round++)); do
			for stage in "H2w$workers" "O1w$workers"; do
				[[ ${RESULT[$stage:$round:check]:-FAIL} == PASS ]] || checks=FAIL
			done
		done
		printf '%-8s %12s %9s %12s %9s %12s %9s %8s  %s\n' "$workers" \
			"$(median "H2w$workers" rate)" "$(median "H2w$workers" p99)" \
			"$(median "Lw$workers" rate)" "$(median "Lw$workers" p99)" \
			"$(median "O1w$workers" rate)" "$(median "O1w$workers" p99)" \
			$(($(total "H2w$workers" errors) + $(total "Lw$workers" errors) + $(total "O1w$workers" errors))) \
			"$checks"
		# shellcheck disable=SC2034 # read by run.sh after the report
		[[ $checks == PASS ]] || BROKE=1
	done
}
