# shellcheck shell=bash
# tests/bench/common.sh — what the bench scripts share (run.sh, live.sh):
# knobs from the environment, the instance's config, nginx, MariaDB and the
# pool. Sourced after the script has set RUN, CONF and DB_SOCKET and
# defined die (each script names itself in its messages).

# A positive whole number from env $1, default $2, at most $3.
knob() {
	local value=${!1:-$2}
	if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > $3)); then
		die "$1 must be a whole number in 1..$3 (got $value)"
	fi
	printf '%s' "$value"
}

# Reads key $1 from the pool config ("key = value"); default $2.
conf_value() {
	local value
	value=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" | tail -n 1 | sed 's/[[:space:]]*$//')
	printf '%s' "${value:-$2}"
}

# The instance's MariaDB as root, tab-separated, no headers.
db() { mariadb --no-defaults --socket="$DB_SOCKET" -u root -N -B kanjia "$@"; }

# The instance's nginx (-t, -s reload, ...).
nginx_instance() { nginx -p "$RUN/" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" "$@"; }

# Has the kanjiad pool re-read $CONF (SIGHUP) and waits up to 5 s for its
# log to say so. Returns 1 if it did not.
pool_reload() {
	local pid i before
	pid=$(cat "$RUN/kanjiad.pid" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	before=$(grep -c 'config reloaded' "$RUN/kanjiad.log" 2>/dev/null || true)
	kill -HUP "$pid" || return 1
	for ((i = 0; i < 50; i++)); do
		(($(grep -c 'config reloaded' "$RUN/kanjiad.log" 2>/dev/null || true) > before)) && return 0
		sleep 0.1
	done
	return 1
}

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
