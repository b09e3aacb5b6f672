#!/usr/bin/env python3
"""The cluster stage (issue 17): helps and orders through nginx over three
app hosts on a three-node Galera cluster, while one database node is cut
off with nftables and later rejoins, and while one app host is killed with
SIGKILL; then every acknowledged write is looked up and every invariant
checked exactly, on every node.

Runs against `./dev cluster up` (KANJIA_CLUSTER_* environment, see ./dev's
cluster_env). Host i is 127.0.0.(i+1): Galera node i and app host i; nginx
is 127.0.0.5. Only loopback addresses; the nftables table it adds matches
only lo between the nodes' addresses and is removed on every exit. Bounded:
about a minute and a half. Ends with "N passed, N failed".

The load, the acknowledged-write checks and the invariants are the crash
stage's (tests/crash/run.py), reused as they are. What "failed" means here:
a request that got no answer or a 5xx. The only ones allowed are those in
flight when a part failed: on the app host at the instant it was killed, or
committing through the cut node between the cut and the moment the rest of
the cluster went on without it (its commit's outcome is unknown to the
worker, which answers 503 rather than risk running it twice)."""

import http.client
import importlib.util
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

import kanjia  # noqa: E402

spec = importlib.util.spec_from_file_location("crash_stage", os.path.join(HERE, "..", "crash", "run.py"))
crash = importlib.util.module_from_spec(spec)
spec.loader.exec_module(crash)

CLUSTER_DIR = os.environ.get("KANJIA_CLUSTER_DIR", "")
CLUSTER_URL = os.environ.get("KANJIA_CLUSTER_URL", "http://127.0.0.5:28200")
NODES = int(os.environ.get("KANJIA_CLUSTER_NODES", "3"))
NFT_TABLE = os.environ.get("KANJIA_CLUSTER_NFT_TABLE", "kanjia_cluster")
LB_ADDRESS = "127.0.0.5"
CUT_NODE = 3          # the database node cut off, then let back in
KILLED_APP = 2        # the app host killed
THREADS = crash.THREADS
# A request through the cut node waits for the cluster to notice the cut
# (evs.suspect_timeout 3 s, install up to 6 s): give it time to answer.
crash.REQUEST_TIMEOUT_S = 20
WAIT_PARTITION_S = 30
WAIT_REJOIN_S = 90
GALERA_PORTS = "28220-28249"  # gcomm, IST and SST of every node

verdict = crash.verdict


def addr(i):
    return "127.0.0.%d" % (i + 1)


def node_socket(i):
    return os.path.join(CLUSTER_DIR, "node%d" % i, "mysqld.sock")


def node_sql(i, query, timeout=15):
    """Rows of query as root on node i (causal reads: wsrep_sync_wait)."""
    result = subprocess.run(
        ["mariadb", "--no-defaults", "--socket=" + node_socket(i), "-u", "root", "--default-character-set=utf8mb4",
         "kanjia", "-N", "-B", "-e", "SET SESSION wsrep_sync_wait = 1; SET time_zone = '+00:00'; " + query],
        capture_output=True, timeout=timeout)
    if result.returncode != 0:
        raise kanjia.CheckError("node %d: %s: %s" % (i, query[:80], result.stderr.decode("utf-8", "replace")[:300]))
    return [line.split("\t") for line in result.stdout.decode("utf-8").splitlines()]


def wsrep(i, name):
    try:
        rows = node_sql(i, "SHOW STATUS LIKE '%s'" % name, timeout=5)
        return rows[0][1] if rows else None
    except (kanjia.CheckError, subprocess.TimeoutExpired):
        return None


class ClusterContext(kanjia.Context):
    """The API suite's context, aimed at the cluster: HTTP to nginx on the
    balancer's address, SQL to node 1 (never cut) with causal reads."""

    def __init__(self):
        super().__init__()
        self.host = LB_ADDRESS
        self.port = int(CLUSTER_URL.rsplit(":", 1)[1].strip("/"))
        self.socket_path = node_socket(1)

    def sql(self, query):
        rows = node_sql(1, query, timeout=30)
        return [[None if cell == "NULL" else cell for cell in row] for row in rows]


class TimedLoad(crash.Load):
    """The crash stage's load, remembering when each failed request ran."""

    def __init__(self, ctx, world):
        super().__init__(ctx, world)
        self.failures = []  # (started, ended, status, path)
        self.acked_at = []  # times of acknowledged writes

    def send(self, method, path, body, token, extra=None):
        started = time.time()
        status, data = super().send(method, path, body, token, extra)
        ended = time.time()
        with self.lock:
            if status is None or status >= 500:
                self.failures.append((started, ended, status, path))
            elif status in (200, 201) and method == "POST":
                self.acked_at.append(ended)
        return status, data


# ------------------------------------------------------------------ nftables

def nft(script):
    return subprocess.run(["nft", "-f", "-"], input=script.encode(), capture_output=True, timeout=10)


def cut_node(i):
    """Drops Galera traffic on lo between node i's address and the others'."""
    others = ", ".join(addr(j) for j in range(1, NODES + 1) if j != i)
    me = addr(i)
    rules = []
    for src, dst in ((me, "{ %s }" % others), ("{ %s }" % others, me)):
        for port in ("dport", "sport"):
            rules.append("iifname \"lo\" ip saddr %s ip daddr %s tcp %s %s drop" % (src, dst, port, GALERA_PORTS))
    script = "table inet %s {\n chain input {\n  type filter hook input priority 0; policy accept;\n  %s\n }\n}\n" % (
        NFT_TABLE, "\n  ".join(rules))
    result = nft(script)
    if result.returncode != 0:
        raise kanjia.CheckError("nft refused the cut: %s" % result.stderr.decode()[:300])


def heal():
    subprocess.run(["nft", "delete", "table", "inet", NFT_TABLE], capture_output=True, timeout=10)


# ------------------------------------------------------------------ FastCGI

def fastcgi_tcp(host, port, source):
    """One FastCGI GET of /api/v1/campaigns over TCP from address source;
    returns the bytes answered (empty when the connection was closed)."""
    def record(kind, content):
        return struct.pack(">BBHHBB", 1, kind, 1, len(content), 0, 0) + content

    def pair(name, value):
        name, value = name.encode(), value.encode()
        return bytes([len(name), len(value)]) + name + value

    params = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/v1/campaigns", "REQUEST_URI": "/api/v1/campaigns",
              "QUERY_STRING": "", "REMOTE_ADDR": "203.0.113.9", "SERVER_PROTOCOL": "HTTP/1.1"}
    data = record(1, struct.pack(">HB5x", 1, 0)) + record(4, b"".join(pair(k, v) for k, v in params.items()))
    data += record(4, b"") + record(5, b"")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    received = b""
    try:
        sock.bind((source, 0))
        sock.connect((host, port))
        try:
            sock.sendall(data)
        except OSError:
            pass
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
    finally:
        sock.close()
    return received


def check_allow_list():
    port = 28250 + 1
    answered = fastcgi_tcp(addr(1), port, LB_ADDRESS)
    verdict(b"Content-Type" in answered,
            "an app host answers FastCGI over TCP from the balancer's address (listen_allow)",
            "got %r" % answered[:120])
    refused = fastcgi_tcp(addr(1), port, "127.0.0.1")
    verdict(refused == b"", "an app host closes a FastCGI connection from an address not in listen_allow",
            "got %r" % refused[:120])


# -------------------------------------------------------------------- schema

def check_schema():
    no_key = node_sql(1, "SELECT t.table_name FROM information_schema.tables t WHERE t.table_schema = 'kanjia' "
                         "AND t.table_type = 'BASE TABLE' AND NOT EXISTS (SELECT 1 FROM "
                         "information_schema.table_constraints c WHERE c.table_schema = t.table_schema "
                         "AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY')")
    verdict(not no_key, "every table has a primary key (Galera replicates rows by key)", "%s" % no_key)
    not_innodb = node_sql(1, "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = 'kanjia' "
                             "AND table_type = 'BASE TABLE' AND engine <> 'InnoDB'")
    verdict(not not_innodb, "every table is InnoDB (Galera replicates nothing else)", "%s" % not_innodb)
    files = len([n for n in os.listdir(os.path.join(HERE, "..", "..", "sql")) if n.endswith(".sql")])
    versions = [tuple(node_sql(i, "SELECT COUNT(*), GROUP_CONCAT(version ORDER BY version) FROM schema_migration")[0])
                for i in range(1, NODES + 1)]
    verdict(len(set(versions)) == 1 and int(versions[0][0]) == files,
            "the three app hosts migrated at once: every node records each of the %d migrations once" % files,
            "%s" % versions)


def check_lease_race():
    """Two nodes take one lease at the same instant, ten times: exactly one
    wins each round (the other loses certification, or sees the winner)."""
    take = ("INSERT IGNORE INTO service_lease (name, holder, expires_at) VALUES ('cluster_test', '', "
            "'2000-01-01'); UPDATE service_lease SET holder = '%s', expires_at = UTC_TIMESTAMP(6) + INTERVAL 60 "
            "SECOND WHERE name = 'cluster_test' AND (expires_at <= UTC_TIMESTAMP(6) OR holder = '%s'); "
            "SELECT ROW_COUNT()")
    bad = []
    for round_number in range(10):
        node_sql(1, "UPDATE service_lease SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND "
                    "WHERE name = 'cluster_test'")
        time.sleep(0.2)  # the expiry has reached every node
        wins = {}
        barrier = threading.Barrier(2)

        def contender(node, holder):
            barrier.wait()
            try:
                wins[holder] = int(node_sql(node, take % (holder, holder))[-1][0])
            except kanjia.CheckError as e:
                wins[holder] = "error: %s" % e

        threads = [threading.Thread(target=contender, args=(n, "h%d-%d" % (round_number, n))) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        time.sleep(0.2)
        holders = {row[0] for i in range(1, NODES + 1)
                   for row in node_sql(i, "SELECT holder FROM service_lease WHERE name = 'cluster_test'")}
        if sorted(v for v in wins.values() if isinstance(v, int)) != [0, 1] or len(holders) != 1:
            bad.append((wins, holders))
    verdict(not bad, "a lease taken from two nodes at once has one holder, on every node", "%s" % bad[:3])
    sweeps = node_sql(1, "SELECT name FROM service_lease WHERE name IN ('bargain_sweep', 'order_sweep') "
                         "AND holder <> '' ORDER BY name")
    verdict([r[0] for r in sweeps] == ["bargain_sweep", "order_sweep"],
            "the sweepers take their leases (no GET_LOCK left)", "%s" % sweeps)


# ------------------------------------------------------------------- events

def wait_for(predicate, seconds):
    return crash.wait_for(predicate, seconds)


def cut_and_rejoin(events, windows):
    started = time.time()
    cut_node(CUT_NODE)
    events.append("node %d cut off" % CUT_NODE)
    survivor = 1
    parted = wait_for(lambda: wsrep(survivor, "wsrep_cluster_size") == str(NODES - 1), WAIT_PARTITION_S)
    noticed = time.time()
    # Requests that started before the survivors went on alone may have been
    # committing through the cut node: the window of in-flight failures.
    windows.append(("cut", started, noticed + 1.0))
    verdict(parted, "the survivors form a primary component of %d without node %d" % (NODES - 1, CUT_NODE),
            "cluster size %s" % wsrep(survivor, "wsrep_cluster_size"))
    refuses = wait_for(lambda: wsrep(CUT_NODE, "wsrep_ready") == "OFF", 10)
    verdict(refuses, "the cut node refuses work (wsrep_ready OFF)",
            "wsrep_ready %s" % wsrep(CUT_NODE, "wsrep_ready"))
    events.append("partition seen after %.1fs" % (noticed - started))
    time.sleep(4)  # the load runs on two nodes for a while
    heal()
    healed = time.time()
    rejoined = wait_for(lambda: wsrep(CUT_NODE, "wsrep_local_state_comment") == "Synced"
                        and wsrep(survivor, "wsrep_cluster_size") == str(NODES), WAIT_REJOIN_S)
    verdict(rejoined, "node %d rejoins and is Synced again" % CUT_NODE,
            "state %s, size %s" % (wsrep(CUT_NODE, "wsrep_local_state_comment"), wsrep(survivor, "wsrep_cluster_size")))
    events.append("node %d back after %.1fs" % (CUT_NODE, time.time() - healed))
    # While it rejoins, the node turns requests away (not ready, then
    # syncing): those in flight through it may fail, as at the cut.
    windows.append(("rejoin", healed, time.time() + 1.0))


def kill_app(events, windows):
    app_dir = os.path.join(CLUSTER_DIR, "app%d" % KILLED_APP)
    master = crash.pid_from(os.path.join(app_dir, "kanjiad.pid"))
    argv = crash.cmdline(master)
    workers = crash.children(master)
    killed_at = time.time()
    os.killpg(master, signal.SIGKILL)  # the master and its workers: the host is gone
    windows.append(("kill", killed_at - 0.05, killed_at + 0.5))
    gone = wait_for(lambda: not crash.alive(master) and not any(crash.alive(p) for p in workers), 5)
    verdict(gone, "app host %d is gone after SIGKILL" % KILLED_APP)
    events.append("app host %d killed" % KILLED_APP)
    return app_dir, argv, killed_at


def restart_app(app_dir, argv, events):
    log = open(os.path.join(app_dir, "kanjiad.log"), "ab")
    try:
        os.unlink(os.path.join(app_dir, "kanjiad.sock"))
    except FileNotFoundError:
        pass
    fresh = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(app_dir, "kanjiad.pid"), "w") as f:
        f.write("%d\n" % fresh.pid)

    def listening():
        try:
            socket.create_connection((addr(KILLED_APP), 28250 + KILLED_APP), timeout=1).close()
            return True
        except OSError:
            return False
    verdict(wait_for(listening, 20), "app host %d restarted and listens again" % KILLED_APP)
    events.append("app host %d back" % KILLED_APP)


# ------------------------------------------------------------------- checks

def check_failures(load, windows):
    def allowed(failure):
        started, ended, _, _ = failure
        return any(started <= w_end and ended >= w_start for _, w_start, w_end in windows)
    outside = [f for f in load.failures if not allowed(f)]
    verdict(not outside, "no request failed but those in flight on the killed app host or the cut node (%d failed)"
            % len(load.failures),
            "failed outside the windows %s: %s" % (
                [(n, round(a, 2), round(b, 2)) for n, a, b in windows],
                [(round(a, 2), round(b, 2), s, p) for a, b, s, p in outside[:5]]))
    verdict(len(load.failures) <= THREADS * len(windows),
            "at most one failed request per load thread per failure (%d)" % len(load.failures))


def check_nodes_agree(world):
    ids = ",".join(str(b["id"]) for b in world["bargains"])
    query = ("SELECT (SELECT COUNT(*) FROM bargain_cut WHERE campaign_id = %d), "
             "(SELECT COALESCE(SUM(cut_fen), 0) FROM bargain_cut WHERE campaign_id = %d), "
             "(SELECT SUM(current_price_fen) FROM bargain WHERE id IN (%s)), "
             "(SELECT COUNT(*) FROM orders WHERE campaign_id = %d), "
             "(SELECT CONCAT(stock_left, '/', stock_reserved, '/', stock_sold) FROM campaign_item WHERE id = %d)"
             % (world["campaign"], world["campaign"], ids, world["campaign"], world["order_item"]))
    rows = [tuple(node_sql(i, query)[0]) for i in range(1, NODES + 1)]
    verdict(len(set(rows)) == 1, "every node holds the same cuts, prices, orders and stock", "%s" % rows)


def conflicts():
    total = 0
    for i in range(1, NODES + 1):
        for name in ("wsrep_local_cert_failures", "wsrep_local_bf_aborts"):
            value = wsrep(i, name)
            total += int(value) if value and value.isdigit() else 0
    return total


def main():
    if not CLUSTER_DIR:
        print("the cluster stage needs ./dev cluster up (KANJIA_CLUSTER_DIR)")
        print("0 passed, 1 failed")
        return 1
    os.environ["KANJIA_BASE_URL"] = "http://127.0.0.1:%s" % CLUSTER_URL.rsplit(":", 1)[1].strip("/")
    ctx = ClusterContext()
    started = time.time()
    try:
        check_allow_list()
        check_schema()
        check_lease_race()
        world = crash.setup(ctx)
        load = TimedLoad(ctx, world)
        conflicts_before = conflicts()
        threads = [threading.Thread(target=load.run, daemon=True) for _ in range(THREADS)]
        for t in threads:
            t.start()
        events, windows = [], []
        try:
            time.sleep(3)
            cut_and_rejoin(events, windows)
            time.sleep(2)
            app_dir, argv, killed_at = kill_app(events, windows)
            time.sleep(4)
            with load.lock:
                after_kill = len([t for t in load.acked_at if t > killed_at + 0.5])
            verdict(after_kill > 0, "writes are acknowledged with app host %d dead (%d)" % (KILLED_APP, after_kill))
            restart_app(app_dir, argv, events)
            time.sleep(3)
        finally:
            heal()
            load.stop.set()
            for t in threads:
                t.join(crash.REQUEST_TIMEOUT_S + 2)
        print("load: %d requests, %d helps and %d orders acknowledged, %d without an answer, answers %s, "
              "%d certification conflicts or brute-force aborts; %s"
              % (load.sent, len(load.helps), len(load.orders), load.unanswered, dict(sorted(load.answers.items())),
                 conflicts() - conflicts_before, ", ".join(events)), flush=True)
        verdict(len(load.helps) > 0 and len(load.orders) > 0, "the load acknowledged helps and orders")
        check_failures(load, windows)
        crash.check_helps(ctx, world, load)
        crash.check_orders(ctx, world, load)
        crash.check_bargains(ctx, world)
        crash.check_stock(ctx, world)
        check_nodes_agree(world)
    except (kanjia.CheckError, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        verdict(False, "the cluster stage ran to its end", "%s: %s" % (type(e).__name__, e))
    finally:
        heal()
    print("cluster stage took %.0fs" % (time.time() - started))
    passed = sum(1 for r in crash.results if r)
    failed = len(crash.results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
