#!/usr/bin/env python3
"""The replica stage (issue 17): a MariaDB primary, an asynchronous read
replica of it and one app host whose config names the replica
(db_read_host). Proves, from the servers' own counters:

  1. the admin console's reads (stats, daily report, audit log, order
     list) are served by the replica: its Com_select and its per-table
     reads of campaign_stat and audit_log grow, the primary's reads of
     those tables do not, and /metrics counts them as replica reads;
  2. writes go to the primary (its binlog moves) and reach the replica by
     replication only;
  3. with the replica stopped, the same reads are answered by the primary,
     every one of them, and /metrics counts the fallbacks as "down"; once
     it is back, the reads return to it;
  4. with the replica not replicating (its applier stopped) or lagging past
     db_read_max_lag_s (delayed replication, Seconds_Behind_Master
     measured), the reads go to the primary ("lag") and come back after; a
     statement the replica refuses (a table missing there) runs again on
     the primary ("error");
  5. no write ever reached the replica: the app's database user ran only
     SELECTs there over the whole stage (USER_STATISTICS: no data-changing
     statement, no row inserted, updated or deleted), the app logged no
     read-only refusal, and that user is refused a write there (read_only).

Runs against `./dev replica up` (KANJIA_REPLICA_* environment, see ./dev's
replica_env). Loopback only; the replica it stops is restarted with its own
my.cnf. Bounded: about 20 s (300 s at most under ./dev test). Ends with
"N passed, N failed"."""

import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

import kanjia  # noqa: E402
from test_admin import admin_session  # noqa: E402

REPLICA_DIR = os.environ.get("KANJIA_REPLICA_DIR", "")
REPLICA_URL = os.environ.get("KANJIA_REPLICA_URL", "http://127.0.0.6:28260")
LOOPBACK = "127.0.0.1"
ROUNDS = 12              # admin reads per phase (each round: stats, report, audit, orders)
STATS_STATEMENTS = 5     # db_read()s of one stats answer (stats_store.c)
CHECK_INTERVAL_S = 1.0   # REPLICA_CHECK_INTERVAL_US (fcgi/db/replica.h)
RETRY_INTERVAL_S = 5.0   # REPLICA_RETRY_INTERVAL_US
WAIT_SERVER_S = 30
# SELECTs this script itself sends the replica between two readings of its
# Com_select (the reading itself, its two table reads): not the app's.
OWN_PROBES = 3
DELAY_S = 60             # the delayed replication of the lag check: far past the bound
# What the app's database user did on the replica (userstat's
# information_schema.USER_STATISTICS): statements that change data and the
# rows they changed. The applier is not that user (its row events count in
# the server's Com_insert and Com_update, so those cannot tell).
WRITE_COUNTERS = ("UPDATE_COMMANDS", "ROWS_INSERTED", "ROWS_UPDATED", "ROWS_DELETED")

results = []


def verdict(ok, name, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail and not ok else ""), flush=True)
    return ok


def server_dir(which):
    return os.path.join(REPLICA_DIR, which)


def server_sql(which, query, timeout=15, headers=False):
    """Rows of query as root on the primary or the replica."""
    argv = ["mariadb", "--no-defaults", "--socket=" + os.path.join(server_dir(which), "mysqld.sock"), "-u", "root",
            "--default-character-set=utf8mb4", "kanjia", "-B", "-e", "SET time_zone = '+00:00'; " + query]
    if not headers:
        argv.insert(-2, "-N")
    result = subprocess.run(argv, capture_output=True, timeout=timeout)
    if result.returncode != 0:
        raise kanjia.CheckError("%s: %s: %s" % (which, query[:80], result.stderr.decode("utf-8", "replace")[:300]))
    return [line.split("\t") for line in result.stdout.decode("utf-8").splitlines()]


def server_value(which, query):
    rows = server_sql(which, query)
    return rows[0][0] if rows and rows[0] else None


def global_status(which, names):
    quoted = ", ".join("'%s'" % n for n in names)
    rows = server_sql(which, "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                             "WHERE VARIABLE_NAME IN (%s)" % quoted.upper())
    values = {row[0].lower(): int(row[1]) for row in rows}
    return {n: values.get(n.lower(), 0) for n in names}


def table_reads(which, table):
    """Rows the server read from kanjia.table since it started (userstat)."""
    value = server_value(which, "SELECT ROWS_READ FROM information_schema.TABLE_STATISTICS "
                                "WHERE TABLE_SCHEMA = 'kanjia' AND TABLE_NAME = '%s'" % table)
    return int(value) if value not in (None, "NULL") else 0


def replica_status():
    rows = server_sql("replica", "SHOW REPLICA STATUS", headers=True)
    return dict(zip(rows[0], rows[1])) if len(rows) >= 2 else {}


def seconds_behind():
    """The replica's Seconds_Behind_Master, -1 when NULL."""
    value = replica_status().get("Seconds_Behind_Master", "NULL")
    return int(value) if value.isdigit() else -1


def wait_for(predicate, seconds, step=0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except (kanjia.CheckError, subprocess.TimeoutExpired):
            pass
        time.sleep(step)
    return False


def wait_caught_up():
    position = server_value("primary", "SELECT @@gtid_binlog_pos") or ""
    reached = server_value("replica", "SELECT MASTER_GTID_WAIT('%s', %d)" % (position, WAIT_SERVER_S))
    if reached != "0":
        raise kanjia.CheckError("the replica did not reach the primary's position %s: %s" % (position, reached))


# ------------------------------------------------------------------ the replica's process

def replica_pid():
    for name in ("mysqld.pid", "mysqld.pid.start"):
        try:
            with open(os.path.join(server_dir("replica"), name)) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            continue
    return None


def stop_replica():
    pid = replica_pid()
    if pid is None:
        raise kanjia.CheckError("no replica process to stop")
    os.kill(pid, 15)

    def gone():
        try:
            os.kill(pid, 0)
            return False
        except OSError:
            return True
    if not wait_for(gone, WAIT_SERVER_S):
        raise kanjia.CheckError("the replica (pid %d) did not stop" % pid)


def start_replica():
    log = open(os.path.join(server_dir("replica"), "mariadbd.log"), "ab")
    fresh = subprocess.Popen(["mariadbd", "--defaults-file=" + os.path.join(server_dir("replica"), "my.cnf")],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(server_dir("replica"), "mysqld.pid.start"), "w") as f:
        f.write("%d\n" % fresh.pid)
    replicating = wait_for(lambda: replica_status().get("Slave_SQL_Running") == "Yes"
                           and replica_status().get("Slave_IO_Running") == "Yes", WAIT_SERVER_S)
    if not replicating:
        raise kanjia.CheckError("the restarted replica does not replicate: %s" % replica_status())
    wait_caught_up()


# ------------------------------------------------------------------ HTTP

class ReplicaContext(kanjia.Context):
    """The API suite's context aimed at the replica setup: HTTP to its nginx,
    SQL (fixtures, SMS codes) to the primary."""

    def __init__(self):
        super().__init__()
        self.host = REPLICA_URL.split("//", 1)[1].rsplit(":", 1)[0]
        self.port = int(REPLICA_URL.rsplit(":", 1)[1].strip("/"))
        self.socket_path = os.path.join(server_dir("primary"), "mysqld.sock")

    def sql(self, query):
        return [[None if cell == "NULL" else cell for cell in row] for row in server_sql("primary", query, 30)]


METRIC = re.compile(r'^(kanjia_db_replica_[a-z_]+)(\{reason="([a-z]+)"\})? (-?[0-9.e+]+)$')


def metrics(ctx):
    """The read door's samples of /metrics: {"reads": n, "down": n, "lag": n, "error": n, "lag_s": n}."""
    r = ctx.get("/metrics", ip=LOOPBACK)
    ctx.expect(r, 200, what="metrics")
    found = {}
    for line in r.body.decode("utf-8").splitlines():
        m = METRIC.match(line)
        if not m:
            continue
        name, reason, value = m.group(1), m.group(3), float(m.group(4))
        if name == "kanjia_db_replica_reads_total":
            found["reads"] = value
        elif name == "kanjia_db_replica_fallbacks_total":
            found[reason] = value
        elif name == "kanjia_db_replica_lag_seconds":
            found["lag_s"] = value
    return found


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


def admin_reads(ctx, token, campaign_id, rounds=ROUNDS):
    """rounds x (stats, daily report, audit log, order list); returns the
    statuses seen and the fewest db_read()s they made."""
    first = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    last = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    paths = ["/api/v1/admin/campaigns/%d/stats" % campaign_id,
             "/api/v1/admin/reports/daily?from=%s&to=%s" % (first, last),
             "/api/v1/admin/audit",
             "/api/v1/admin/orders"]
    statuses = []
    for _ in range(rounds):
        for path in paths:
            statuses.append(ctx.get(path, token=token).status)
    # the report spans yesterday to tomorrow (UTC): today in any shop zone
    return statuses, rounds * (STATS_STATEMENTS + 3)


def snapshot(ctx):
    return {
        "metrics": metrics(ctx),
        "replica_select": global_status("replica", ["Com_select"])["Com_select"],
        "primary_stat": table_reads("primary", "campaign_stat"),
        "primary_audit": table_reads("primary", "audit_log"),
        "replica_stat": table_reads("replica", "campaign_stat"),
        "replica_audit": table_reads("replica", "audit_log"),
    }


def primary_snapshot(ctx):
    return {"metrics": metrics(ctx), "primary_stat": table_reads("primary", "campaign_stat"),
            "primary_audit": table_reads("primary", "audit_log")}


def iso(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def create_campaign(ctx, token, title):
    rules = {"cut_min_fen": 1, "cut_max_fen": 3, "self_cuts_per_day": 3, "helps_per_user_per_day": 100,
             "bargains_per_user": 1, "bargain_ttl_s": 86400, "pay_within_s": 3600}
    body = {"title": title, "starts_at": iso(-60), "ends_at": iso(86400),
            "items": [{"name": "砍价商品", "images": [], "original_price_fen": 100000, "floor_price_fen": 1000,
                       "stock": 100, "rules": rules, "rewards": {}}]}
    return ctx.expect(ctx.post("/api/v1/admin/campaigns", body, token=token), 201, what="campaign")


# ------------------------------------------------------------------ phases

def check_setup():
    verdict(server_value("replica", "SELECT @@read_only") == "1", "the replica runs read_only")
    status = replica_status()
    verdict(status.get("Slave_IO_Running") == "Yes" and status.get("Slave_SQL_Running") == "Yes",
            "the replica replicates from the primary (both threads running)", "%s" % status)
    verdict(server_value("primary", "SELECT @@read_only") == "0" and
            server_value("primary", "SELECT @@log_bin") == "1", "the primary takes writes and binlogs them")


def check_reads_on_replica(ctx, token, campaign_id, what):
    before = snapshot(ctx)
    statuses, statements = admin_reads(ctx, token, campaign_id)
    after = snapshot(ctx)
    verdict(all(s == 200 for s in statuses), "%s: every admin read answered 200" % what, "%s" % statuses)
    grew = after["replica_select"] - before["replica_select"] - OWN_PROBES
    verdict(grew >= statements, "%s: the replica's Com_select grew by at least %d (%d)" % (what, statements, grew))
    verdict(after["replica_stat"] > before["replica_stat"] and after["replica_audit"] > before["replica_audit"],
            "%s: the replica read campaign_stat and audit_log" % what,
            "campaign_stat %d -> %d, audit_log %d -> %d" % (before["replica_stat"], after["replica_stat"],
                                                             before["replica_audit"], after["replica_audit"]))
    verdict(after["primary_stat"] == before["primary_stat"] and after["primary_audit"] == before["primary_audit"],
            "%s: the primary read no row of campaign_stat or audit_log" % what,
            "campaign_stat %d -> %d, audit_log %d -> %d" % (before["primary_stat"], after["primary_stat"],
                                                             before["primary_audit"], after["primary_audit"]))
    m0, m1 = before["metrics"], after["metrics"]
    fallbacks = sum(delta(m0, m1, k) for k in ("down", "lag", "error"))
    verdict(delta(m0, m1, "reads") >= statements and fallbacks == 0,
            "%s: /metrics counts them as replica reads, no fallback" % what,
            "replica reads +%d, fallbacks +%d" % (delta(m0, m1, "reads"), fallbacks))


def check_fallback(ctx, token, campaign_id, reason, what):
    before = primary_snapshot(ctx)
    statuses, statements = admin_reads(ctx, token, campaign_id)
    after = primary_snapshot(ctx)
    verdict(all(s == 200 for s in statuses), "%s: every admin read answered 200" % what, "%s" % statuses)
    verdict(after["primary_stat"] > before["primary_stat"] and after["primary_audit"] > before["primary_audit"],
            "%s: the primary served them" % what,
            "campaign_stat %d -> %d" % (before["primary_stat"], after["primary_stat"]))
    m0, m1 = before["metrics"], after["metrics"]
    verdict(delta(m0, m1, reason) >= statements and delta(m0, m1, "reads") == 0,
            "%s: /metrics counts %d fallbacks for %s, no replica read" % (what, statements, reason),
            "fallbacks %s +%d, replica reads +%d" % (reason, delta(m0, m1, reason), delta(m0, m1, "reads")))
    return after["metrics"]


def check_writes_on_primary(ctx, token):
    position = server_value("primary", "SELECT @@gtid_binlog_pos")
    made = create_campaign(ctx, token, "复制写入")
    verdict(server_value("primary", "SELECT @@gtid_binlog_pos") != position,
            "a write through the app lands on the primary (its binlog moved)")
    wait_caught_up()
    verdict(server_value("replica", "SELECT title FROM campaign WHERE id = %d" % made["id"]) == "复制写入",
            "the write reached the replica by replication")


def check_lag(ctx, token, campaign_id):
    server_sql("replica", "STOP SLAVE SQL_THREAD")
    time.sleep(CHECK_INTERVAL_S + 0.3)
    check_fallback(ctx, token, campaign_id, "lag", "applier stopped")
    server_sql("replica", "START SLAVE SQL_THREAD")
    wait_caught_up()

    # A real lag: delayed replication holds back the next write's events.
    server_sql("replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = %d; START SLAVE" % DELAY_S)
    wait_for(lambda: replica_status().get("Slave_SQL_Running") == "Yes", WAIT_SERVER_S)
    bound = int(kanjia.read_config(os.environ["KANJIA_CONF"]).get("db_read_max_lag_s", "5"))
    create_campaign(ctx, token, "延迟复制")
    behind = wait_for(lambda: seconds_behind() > bound, bound + 10 * CHECK_INTERVAL_S)
    verdict(behind, "delayed replication puts the replica past the bound of %d s (Seconds_Behind_Master %d)"
            % (bound, seconds_behind()))
    time.sleep(CHECK_INTERVAL_S + 0.3)
    seen = check_fallback(ctx, token, campaign_id, "lag", "replica %d s behind" % bound)
    verdict(seen.get("lag_s", -1) > bound, "/metrics shows the measured lag above the bound (%s s)"
            % seen.get("lag_s"))
    server_sql("replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE")
    wait_caught_up()
    time.sleep(CHECK_INTERVAL_S + 0.3)
    check_reads_on_replica(ctx, token, campaign_id, "caught up again")


def user_writes(user):
    rows = server_sql("replica", "SELECT %s FROM information_schema.USER_STATISTICS WHERE USER = '%s'"
                      % (", ".join(WRITE_COUNTERS), user))
    return {k: int(rows[0][i]) if rows else 0 for i, k in enumerate(WRITE_COUNTERS)}


class WriteWatch:
    """The app's user's writes on the replica summed over the stage: the
    counters start from zero again when the replica restarts, so each of its
    runs is added when it ends (pause) and a new baseline taken (resume)."""

    def __init__(self, user):
        self.user = user
        self.moved = {k: 0 for k in WRITE_COUNTERS}
        self.selects_seen = False
        self.resume()

    def resume(self):
        self.baseline = user_writes(self.user)

    def pause(self):
        now = user_writes(self.user)
        selects = server_value("replica", "SELECT SELECT_COMMANDS FROM information_schema.USER_STATISTICS "
                                          "WHERE USER = '%s'" % self.user)
        self.selects_seen = self.selects_seen or (selects is not None and int(selects) > 0)
        for k in WRITE_COUNTERS:
            self.moved[k] += now[k] - self.baseline[k]


def check_refused_on_replica(ctx, token):
    """A statement the replica refuses (here: its audit_log renamed away, as
    a table a migration made would be missing until it arrives) runs again
    on the primary: answered, counted as an "error" fallback."""
    server_sql("replica", "RENAME TABLE audit_log TO audit_log_hidden")
    try:
        before = metrics(ctx)
        statuses = [ctx.get("/api/v1/admin/audit", token=token).status for _ in range(ROUNDS)]
        after = metrics(ctx)
    finally:
        server_sql("replica", "RENAME TABLE audit_log_hidden TO audit_log")
    verdict(all(s == 200 for s in statuses), "a table missing on the replica: every audit read answered 200",
            "%s" % statuses)
    verdict(delta(before, after, "error") >= ROUNDS and delta(before, after, "reads") == 0,
            "a table missing on the replica: /metrics counts %d error fallbacks, no replica read" % ROUNDS,
            "error +%d, replica reads +%d" % (delta(before, after, "error"), delta(before, after, "reads")))
    status = replica_status()
    verdict(status.get("Slave_SQL_Running") == "Yes", "the replica still replicates afterwards", "%s" % status)
    before = metrics(ctx)
    statuses = [ctx.get("/api/v1/admin/audit", token=token).status for _ in range(ROUNDS)]
    after = metrics(ctx)
    verdict(all(s == 200 for s in statuses) and delta(before, after, "reads") >= ROUNDS,
            "the table back, the audit reads are the replica's again (its statements prepared anew)",
            "%s, replica reads +%d" % (statuses, delta(before, after, "reads")))


def check_no_write_on_replica(writes):
    writes.pause()
    moved = {k: v for k, v in writes.moved.items() if v != 0}
    verdict(writes.selects_seen and not moved,
            "the app's user only read on the replica over the whole stage (USER_STATISTICS: SELECTs, "
            "no data-changing statement, no row written)", "selects seen %s, writes %s" % (writes.selects_seen, moved))
    with open(os.path.join(REPLICA_DIR, "app", "kanjiad.log"), encoding="utf-8", errors="replace") as f:
        refused = [line for line in f if "errno 1290" in line]
    verdict(not refused, "the app never had a write refused by the read-only replica", "%s" % refused[:2])
    conf = kanjia.read_config(os.environ["KANJIA_CONF"])
    probe = subprocess.run(
        ["mariadb", "--no-defaults", "-h", conf["db_read_host"], "-P", conf["db_read_port"], "-u", conf["db_user"],
         "kanjia", "-N", "-e", "INSERT INTO audit_log (action, target_type, created_at) "
                               "VALUES ('replica.probe', 'none', UTC_TIMESTAMP())"],
        env=dict(os.environ, MYSQL_PWD=conf["db_password"]), capture_output=True, timeout=15)
    stderr = probe.stderr.decode("utf-8", "replace")
    verdict(probe.returncode != 0 and "1290" in stderr,
            "the app's user is refused a write on the replica (read_only, error 1290)", stderr[:200])


def main():
    if not REPLICA_DIR:
        print("the replica stage needs ./dev replica up (KANJIA_REPLICA_DIR)")
        print("0 passed, 1 failed")
        return 1
    os.environ["KANJIA_BASE_URL"] = "http://127.0.0.1:%s" % REPLICA_URL.rsplit(":", 1)[1].strip("/")
    started = time.time()
    try:
        ctx = ReplicaContext()
        check_setup()
        writes = WriteWatch(kanjia.read_config(os.environ["KANJIA_CONF"])["db_user"])
        token = admin_session(ctx, "owner")["token"]
        campaign = create_campaign(ctx, token, "只读副本")
        shopper = ctx.login()
        ctx.expect(ctx.post("/api/v1/bargains", {"item_id": campaign["items"][0]["id"]}, token=shopper["token"]),
                   201, what="bargain")
        wait_caught_up()

        check_reads_on_replica(ctx, token, campaign["id"], "replica up")
        stats = ctx.expect(ctx.get("/api/v1/admin/campaigns/%d/stats" % campaign["id"], token=token), 200)
        verdict(stats.get("bargains_started") == 1 and stats.get("participants") == 1,
                "the replica's stats count the bargain started on the primary",
                "bargains_started %s, participants %s" % (stats.get("bargains_started"), stats.get("participants")))
        check_writes_on_primary(ctx, token)

        writes.pause()
        stop_replica()
        check_fallback(ctx, token, campaign["id"], "down", "replica stopped")
        start_replica()
        writes.resume()
        time.sleep(RETRY_INTERVAL_S + 0.5)  # every worker's wait before it tries the replica again
        check_reads_on_replica(ctx, token, campaign["id"], "replica back")

        check_lag(ctx, token, campaign["id"])
        check_refused_on_replica(ctx, token)
        check_no_write_on_replica(writes)
    except (kanjia.CheckError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        verdict(False, "the replica stage ran to its end", "%s: %s" % (type(e).__name__, e))
    finally:
        try:
            if replica_pid() is None:
                start_replica()
            server_sql("replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE")
        except (kanjia.CheckError, subprocess.TimeoutExpired, OSError):
            pass
    print("replica stage took %.0fs" % (time.time() - started))
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
