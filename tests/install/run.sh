#!/usr/bin/env bash
# tests/install/run.sh — the install stage of ./dev test: what a hosting
# provider does on a fresh Debian 12, checked.
#
# `make install DESTDIR=<run dir>/install/root` from a build configured
# --prefix=/usr --sysconfdir=/etc (KANJIA_INSTALL_BUILD), then:
#   - the installed units pass `systemd-analyze verify` exactly as installed
#     (in a private mount namespace where an overlay shows DESTDIR's /usr/bin
#     over the host's, so the units' /usr/bin/kanjiad is the installed one;
#     the host is not touched) and `systemd-analyze security` rates
#     kanjiad.service and kanjiad@.service 3.0 or better;
#   - the config: no placeholder left, paths of the prefix, 0640, a sample
#     beside it, kept by a second `make install`; only pages installed;
#   - the INSTALLED binary runs with the INSTALLED config, filled in for the
#     test database, and the INSTALLED nginx site file. Adapted, because this
#     is a test on loopback under DESTDIR, and only there: the config's
#     db_*, secrets, listen, listen_group, migrations_dir and
#     public_base_url; the site file's listen (127.0.0.1:PORT), root,
#     fastcgi_pass socket and log paths (sed, below), wrapped in a minimal
#     nginx.conf whose workers run as root (the run dir is root's, 0700).
#   - the pool is started as kanjiad.socket + kanjiad.service would start it
#     (activate.py: the socket passed as fd 3, sd_notify READY/RELOADING/
#     STOPPING read back), a shopper logs in through nginx (smoke.py), a
#     restart while a request waits loses nothing;
#   - --version, check-config (--db), migration checksums and tampering,
#     reset-admin-password.
#
# Environment (from ./dev): KANJIA_REPO, KANJIA_RUN_DIR (the test instance:
# its MariaDB is up), KANJIA_INSTALL_BUILD, KANJIA_INSTALL_PORT.
# Prints "ok - ..." / "not ok - ..." lines, then "N passed, N failed".
set -uo pipefail

REPO=${KANJIA_REPO:?} RUN=${KANJIA_RUN_DIR:?} BUILD=${KANJIA_INSTALL_BUILD:?} PORT=${KANJIA_INSTALL_PORT:?}
HERE=$REPO/tests/install
WORK=$RUN/install
ROOT=$WORK/root
BIN=$ROOT/usr/bin/kanjiad
CONF=$ROOT/etc/kanjia/kanjia.conf
UNITS=$ROOT/usr/lib/systemd/system
SOCK=$WORK/kanjiad.sock
DB_SOCK=$RUN/mysqld.sock

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
# check NAME COMMAND...: runs the command quietly (its output goes to the
# log), passes when it exits 0.
check() {
	local name=$1
	shift
	if "$@" >>"$WORK/steps.log" 2>&1; then ok "$name"; else not_ok "$name (see ${WORK#"$REPO"/}/steps.log)"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	exit $((failed > 0))
}
db() { mariadb --no-defaults --socket="$DB_SOCK" -u root kanjia -N -B -e "$1"; }

rm -rf "$WORK"
mkdir -p "$WORK"

# --- make install -------------------------------------------------------------
if ! make -C "$BUILD" install DESTDIR="$ROOT" >"$WORK/make-install.log" 2>&1; then
	not_ok "make install DESTDIR=... (see ${WORK#"$REPO"/}/make-install.log)"
	finish
fi
ok "make install DESTDIR=${ROOT#"$REPO"/}"

# --- the units ----------------------------------------------------------------
placeholders=$(grep -l '@[A-Za-z_]*@' "$UNITS"/kanjiad* "$ROOT"/etc/kanjia/* "$ROOT"/usr/lib/sysusers.d/kanjia.conf 2>/dev/null)
if [[ -z $placeholders ]]; then ok "no @placeholder@ left in the units, sysusers file and config"; else not_ok "placeholders left in: $placeholders"; fi
grep -q '^ExecStart=/usr/bin/kanjiad -c /etc/kanjia/kanjia.conf serve$' "$UNITS/kanjiad.service" &&
	ok "kanjiad.service runs /usr/bin/kanjiad with /etc/kanjia/kanjia.conf" || not_ok "kanjiad.service's ExecStart"

verify_units() {
	unshare --mount sh -c '
		mount --make-rprivate / &&
		mount -t overlay overlay -o lowerdir="$1/usr/bin:/usr/bin" /usr/bin &&
		cd "$2" && systemd-analyze verify kanjiad.service kanjiad.socket kanjiad@shop1.service kanjiad@shop1.socket
	' verify "$ROOT" "$UNITS"
}
# systemd-analyze verify exits 0 on some warnings: any line it prints is a finding.
if out=$(verify_units 2>&1) && [[ -z $out ]]; then
	ok "systemd-analyze verify: kanjiad.service, kanjiad.socket, kanjiad@shop1.service, kanjiad@shop1.socket"
else
	not_ok "systemd-analyze verify: $out"
fi
for unit in kanjiad.service kanjiad@shop1.service; do
	score=$(cd "$UNITS" && systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	if [[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
		ok "systemd-analyze security $unit: $score (3.0 or better)"
	else
		not_ok "systemd-analyze security $unit: '${score:-no score}' (needs 3.0 or better)"
	fi
done

# --- the config and the pages ---------------------------------------------------
[[ $(stat -c %a "$CONF") == 640 ]] && ok "kanjia.conf is mode 0640" || not_ok "kanjia.conf is mode $(stat -c %a "$CONF")"
if getent group kanjia >/dev/null; then
	[[ $(stat -c %G "$CONF") == kanjia ]] && ok "kanjia.conf belongs to group kanjia" || not_ok "kanjia.conf's group is $(stat -c %G "$CONF")"
fi
[[ -f $CONF.sample ]] && ok "kanjia.conf.sample beside it" || not_ok "no kanjia.conf.sample"
grep -qx 'migrations_dir = /usr/share/kanjia/sql' "$CONF" && ok "migrations_dir follows --prefix (/usr/share/kanjia/sql)" ||
	not_ok "migrations_dir: $(grep '^migrations_dir' "$CONF")"
# Every migration of the checkout is installed (Makefile.am lists them by
# hand: one left out would leave an installed pool a schema behind).
missing=''
for migration in "$REPO"/sql/*.sql "$REPO"/sql/*.json; do
	[[ -f $ROOT/usr/share/kanjia/sql/$(basename "$migration") ]] || missing+=" $(basename "$migration")"
done
[[ -z $missing ]] && ok "every file of sql/ is installed" || not_ok "not installed:$missing"
check "kanjiad help-config: the default migrations_dir follows --prefix" \
	sh -c "'$BIN' help-config | grep -A0 '^migrations_dir' | grep -q '\"/usr/share/kanjia/sql\"'"
echo "# the operator's edit" >>"$CONF"
echo "# a stale sample" >>"$CONF.sample"
make -C "$BUILD" install DESTDIR="$ROOT" >>"$WORK/make-install.log" 2>&1
grep -qx '# the operator.s edit' "$CONF" && ok "a second make install keeps the operator's kanjia.conf" ||
	not_ok "a second make install replaced kanjia.conf"
grep -qx '# a stale sample' "$CONF.sample" && not_ok "the sample was not refreshed" || ok "a second make install refreshes kanjia.conf.sample"
leftovers=$(cd "$ROOT/usr/share/kanjia/www" && find . -name '*.md' -o -name '*.json' -o -name node_modules)
[[ -z $leftovers ]] && ok "only pages and assets installed under www/" || not_ok "installed besides the pages: $leftovers"
[[ -r $ROOT/usr/share/kanjia/www/admin/assets/vendor/chart.umd.min.js ]] && ok "the console's chart.js resolves (libjs-chart.js)" ||
	not_ok "www/admin/assets/vendor/chart.umd.min.js does not resolve"

# --- the binary ------------------------------------------------------------------
version=$("$BIN" --version 2>&1)
[[ $version =~ ^kanjiad\ [0-9]+\.[0-9]+\.[0-9]+ ]] && ok "kanjiad --version: $version" || not_ok "kanjiad --version: $version"
check "kanjiad --help lists the commands" sh -c "'$BIN' --help | grep -q reset-admin-password"

# The installed config, filled in for the test database: the keys an
# operator fills in, and the paths that live under DESTDIR here.
secret() { sed -n "s/^$1=//p" "$RUN/secrets"; }
fill() { # key value: replace the key's line, or add one
	if grep -q "^$1 *=" "$CONF"; then
		sed -i "s|^$1 *=.*|$1 = $2|" "$CONF"
	else
		echo "$1 = $2" >>"$CONF"
	fi
}
fill db_socket "$DB_SOCK"
fill db_password "$(secret db_password)"
fill jwt_secret "$(secret jwt_secret)"
fill sandbox_secret "$(secret sandbox_secret)"
fill listen "$SOCK"
fill listen_group root
fill migrations_dir "$ROOT/usr/share/kanjia/sql"
fill public_base_url "http://127.0.0.1:$PORT"

check "kanjiad check-config --db on the installed config" "$BIN" -c "$CONF" check-config --db
sed "s|^migrations_dir = .*|migrations_dir = $WORK/no-such-dir|" "$CONF" >"$WORK/bad.conf"
if out=$("$BIN" -c "$WORK/bad.conf" check-config 2>&1); then
	not_ok "check-config passed a missing migrations_dir"
else
	[[ $out == *migrations_dir* ]] && ok "check-config refuses a missing migrations_dir, naming it" || not_ok "check-config: $out"
fi
sed "s|^listen = .*|listen = $WORK/no-such-dir/kanjiad.sock|" "$CONF" >"$WORK/bad.conf"
"$BIN" -c "$WORK/bad.conf" check-config >/dev/null 2>&1 && not_ok "check-config passed a missing socket directory" ||
	ok "check-config refuses a missing socket directory"
sed "s|^db_password = .*|db_password = wrong-password|" "$CONF" >"$WORK/bad.conf"
"$BIN" -c "$WORK/bad.conf" check-config --db >/dev/null 2>&1 && not_ok "check-config --db passed a wrong db_password" ||
	ok "check-config --db refuses a wrong db_password"
check "kanjiad migrate (the unit's ExecStartPre)" "$BIN" -c "$CONF" migrate

# --- migration checksums -----------------------------------------------------------
nulls=$(db "SELECT COUNT(*) FROM schema_migration WHERE checksum IS NULL")
[[ $nulls == 0 ]] && ok "every applied migration has its checksum recorded" || not_ok "$nulls migrations without a checksum"
db "UPDATE schema_migration SET checksum = NULL WHERE version = 1"
out=$("$BIN" -c "$CONF" migrate 2>&1)
[[ $out == *"recorded the checksum of 001_"* && $(db "SELECT COUNT(*) FROM schema_migration WHERE checksum IS NULL") == 0 ]] &&
	ok "migrate fills in a missing checksum" || not_ok "migrate did not fill in the missing checksum: $out"
cp -r "$ROOT/usr/share/kanjia/sql" "$WORK/sql-edited"
printf '\n-- edited after it was applied\n' >>"$WORK/sql-edited/002_bargain.sql"
sed "s|^migrations_dir = .*|migrations_dir = $WORK/sql-edited|" "$CONF" >"$WORK/edited.conf"
if out=$("$BIN" -c "$WORK/edited.conf" migrate 2>&1); then
	not_ok "migrate accepted an edited applied migration"
else
	[[ $out == *002_bargain.sql*changed* ]] && ok "migrate stops at an edited applied migration, naming it" ||
		not_ok "migrate's message does not name the edited file: $out"
fi
"$BIN" -c "$WORK/edited.conf" check-config --db >/dev/null 2>&1 && not_ok "check-config --db passed an edited migration" ||
	ok "check-config --db refuses an edited migration"

# --- the pool, as systemd starts it ---------------------------------------------------
NOTIFY=$WORK/notify.log
: >"$NOTIFY"
python3 "$HERE/activate.py" "$SOCK" "$NOTIFY" "$WORK/kanjiad.pid" -- "$BIN" -c "$CONF" serve \
	</dev/null >>"$WORK/kanjiad.log" 2>&1 &
ACTIVATOR=$!
stop_pool() {
	kill -TERM "$ACTIVATOR" 2>/dev/null && wait "$ACTIVATOR" 2>/dev/null
	ACTIVATOR=
}
NGINX_PID=
stop_nginx() { [[ -s $WORK/nginx/nginx.pid ]] && kill -QUIT "$(<"$WORK/nginx/nginx.pid")" 2>/dev/null; }
cleanup() {
	[[ -n $ACTIVATOR ]] && stop_pool
	stop_nginx
}
trap cleanup EXIT

wait_for() { # seconds, command...
	local seconds=$1 i
	shift
	for ((i = 0; i < seconds * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
if wait_for 20 grep -q '^READY=1' "$NOTIFY"; then
	ok "sd_notify READY=1 once the socket accepts: $(grep -m1 '^READY=1' "$NOTIFY")"
else
	not_ok "no READY=1 from the pool within 20 s"
	cat "$WORK/kanjiad.log" | tail -20
	finish
fi
first=$(grep -m1 '"pool: ' "$WORK/kanjiad.log")
[[ $first == *"kanjiad ${version#kanjiad }"* ]] && ok "the pool's first log line carries the version" || not_ok "first pool log line: $first"
grep -q 'listening on the socket systemd passed' "$WORK/kanjiad.log" && ok "the pool serves the socket systemd passed (sd_listen_fds)" ||
	not_ok "the pool did not take the passed socket"

# --- nginx with the installed site file --------------------------------------------------
mkdir -p "$WORK/nginx/tmp"
ln -s /etc/nginx/fastcgi_params "$WORK/nginx/fastcgi_params"
sed -e "s|^\( *\)listen 80\( [^;]*\)\{0,1\};|\1listen 127.0.0.1:$PORT\2;|" \
	-e '/listen \[::\]:80[ ;]/d' \
	-e "s|unix:/run/kanjia/live.sock|unix:$WORK/nginx/live.sock|g" \
	-e "s|root /usr/share/kanjia/www;|root $ROOT/usr/share/kanjia/www;|" \
	-e "s|unix:/run/kanjia/kanjiad.sock|unix:$SOCK|g" \
	-e "s|/var/log/nginx/|$WORK/nginx/|g" \
	"$ROOT/usr/share/kanjia/nginx/kanjia.conf" >"$WORK/nginx/kanjia.conf"
cat >"$WORK/nginx/nginx.conf" <<-NGINX
	# The install test's nginx: Debian's nginx.conf in miniature around the
	# installed site file. Workers as root: DESTDIR is under a 0700 run dir.
	user root root;
	worker_processes 1;
	# As Debian's nginx.conf loads the modules apt enabled (nchan, for the
	# streams); by absolute path, as this nginx runs with its own prefix.
	load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
	pid $WORK/nginx/nginx.pid;
	events { worker_connections 256; }
	http {
	    include /etc/nginx/mime.types;
	    default_type application/octet-stream;
	    client_body_temp_path $WORK/nginx/tmp/client_body;
	    proxy_temp_path $WORK/nginx/tmp/proxy;
	    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
	    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
	    scgi_temp_path $WORK/nginx/tmp/scgi;
	    include $WORK/nginx/kanjia.conf;
	}
NGINX
grep -q "listen 127.0.0.1:$PORT[ ;]" "$WORK/nginx/kanjia.conf" && ok "the site file adapted: listen, root, socket, logs (sed)" ||
	not_ok "the sed of the site file's listen line found nothing"
nginx_cmd() { nginx -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" "$@"; }
if nginx_cmd -q -t >>"$WORK/steps.log" 2>&1 && nginx_cmd >>"$WORK/steps.log" 2>&1 &&
	wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	ok "nginx runs the installed site file on 127.0.0.1:$PORT"
else
	not_ok "nginx did not start with the installed site file (see ${WORK#"$REPO"/}/steps.log)"
	finish
fi

# --- through nginx --------------------------------------------------------------------------
# Files that are no page, as an operator might leave them under root: the
# site file must not serve them (make install does not install them).
printf '# notes\n' >"$ROOT/usr/share/kanjia/www/admin/README.md"
printf '{}\n' >"$ROOT/usr/share/kanjia/www/admin/package.json"
printf '{}\n' >"$ROOT/usr/share/kanjia/www/admin/package-lock.json"
printf '# notes\n' >"$ROOT/usr/share/kanjia/www/README.md"
"$BIN" -c "$CONF" seed-demo >"$WORK/seed.out" 2>&1
if python3 "$HERE/smoke.py" "http://127.0.0.1:$PORT" "$DB_SOCK" >"$WORK/smoke.out" 2>&1; then
	smoke_ok=yes
else
	smoke_ok=no
fi
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "    $line" ;;
	esac
done <"$WORK/smoke.out"
[[ $smoke_ok == yes ]] || [[ $(grep -c '^not ok' "$WORK/smoke.out") -gt 0 ]] || not_ok "smoke.py failed without a failing check"

# --- reset-admin-password ---------------------------------------------------------------------
admin_login() { # name password -> HTTP status
	curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$2\"}" "http://127.0.0.1:$PORT/api/v1/admin/login"
}
name=install_$RANDOM
printf 'first-password-1\n' | "$BIN" -c "$CONF" create-admin "$name" operator >>"$WORK/steps.log" 2>&1
[[ $(admin_login "$name" first-password-1) == 200 ]] && ok "a new admin logs in through nginx" || not_ok "the new admin could not log in"
if printf 'second-password-2\n' | "$BIN" -c "$CONF" reset-admin-password "$name" >>"$WORK/steps.log" 2>&1; then
	ok "kanjiad reset-admin-password $name"
else
	not_ok "kanjiad reset-admin-password $name failed"
fi
[[ $(admin_login "$name" first-password-1) == 401 ]] && ok "the old password no longer works" || not_ok "the old password still works"
[[ $(admin_login "$name" second-password-2) == 200 ]] && ok "the new password works" || not_ok "the new password does not work"
audited=$(db "SELECT COUNT(*) FROM audit_log a JOIN admin d ON d.id = a.target_id WHERE a.action = 'admin.reset_password' AND d.username = '$name' AND a.admin_id IS NULL")
[[ $audited == 1 ]] && ok "the reset is in the audit log" || not_ok "audit rows for the reset: $audited"
printf 'short\n' | "$BIN" -c "$CONF" reset-admin-password "$name" >/dev/null 2>&1 && not_ok "a short password was accepted" ||
	ok "reset-admin-password refuses a short password"
printf 'another-password-3\n' | "$BIN" -c "$CONF" reset-admin-password "nobody_$RANDOM" >/dev/null 2>&1 &&
	not_ok "reset-admin-password of a missing admin succeeded" || ok "reset-admin-password of a missing admin fails"

# --- reload and restart ---------------------------------------------------------------------------
kill -HUP "$(<"$WORK/kanjiad.pid")"
wait_for 10 grep -q '^RELOADING=1' "$NOTIFY" && wait_for 10 sh -c "grep -A5 '^RELOADING=1' '$NOTIFY' | grep -q '^READY=1'" &&
	ok "SIGHUP: RELOADING=1, then READY=1" || not_ok "no RELOADING=1 then READY=1 after SIGHUP"

# A restart as `systemctl restart kanjiad` does it with kanjiad.socket: the
# old pool stops, the socket stays, the new pool takes it. A request sent
# while no pool runs waits in the backlog and is answered by the new one.
kill -USR1 "$ACTIVATOR"
wait_for 20 grep -q '^activate.py: child exited' "$NOTIFY"
[[ -S $SOCK ]] && ok "the stopped pool left the socket it was passed in place" || not_ok "the stopped pool removed $SOCK"
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://127.0.0.1:$PORT/api/v1/campaigns")
wait_for 20 grep -q '^activate.py: restarted' "$NOTIFY"
[[ $status == 200 ]] && ok "a request sent while the pool restarts is answered (200, not 502)" ||
	not_ok "a request during the restart got $status"
grep -q '^STOPPING=1' "$NOTIFY" && ok "SIGTERM: STOPPING=1" || not_ok "no STOPPING=1 when the pool stopped"
wait_for 20 sh -c "[ \$(grep -c '^READY=1' '$NOTIFY') -ge 3 ]" && ok "the restarted pool is READY=1 on the same socket" ||
	not_ok "the restarted pool never said READY=1"
stop_pool
stop_nginx
trap - EXIT
finish
