#!/usr/bin/env python3
"""The crash stage (issue 12): a mixed load of helps and orders while
mariadbd, two workers and then the master are killed with SIGKILL; then
every acknowledged write is looked up and every invariant checked exactly.

Runs against the test stack of ./dev test (KANJIA_* environment, as the API
suite), after the other suites: it restarts mariadbd and the pool with the
command lines they were started with, and leaves both running. Loopback
only, bounded in time (about a minute), ends with "N passed, N failed".

What "acknowledged" means: a help answered 200, an order answered 201.
Requests that got no answer, or a 5xx, prove nothing either way; the
invariants must hold whatever happened to them."""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

import kanjia  # noqa: E402
from test_admin import admin_session  # noqa: E402

LOAD_SECONDS = 24
THREADS = 8
REQUEST_TIMEOUT_S = 8
INITIATORS = 24
HELPERS = 48
BUYERS = 16
ORDER_STOCK = 100000

ADDRESS = {"name": "张三", "phone": "13800138000", "province": "上海市", "city": "上海市",
           "district": "浦东新区", "detail": "世纪大道 100 号"}

results = []


def verdict(ok, name, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail and not ok else ""), flush=True)


def iso(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


# ------------------------------------------------------------------- setup

def setup(ctx):
    token = admin_session(ctx, "owner")["token"]
    rules = {"cut_min_fen": 1, "cut_max_fen": 3, "self_cuts_per_day": 3, "helps_per_user_per_day": 10000,
             "bargains_per_user": 1, "bargain_ttl_s": 86400, "pay_within_s": 3600}
    body = {"title": "崩溃测试", "starts_at": iso(-60), "ends_at": iso(86400),
            "items": [{"name": "砍价商品", "images": [], "original_price_fen": 100000, "floor_price_fen": 1000,
                       "stock": 1000, "rules": rules, "rewards": {}},
                      {"name": "下单商品", "images": [], "original_price_fen": 990, "floor_price_fen": 1,
                       "stock": ORDER_STOCK, "rules": rules, "rewards": {}}]}
    j = ctx.expect(ctx.post("/api/v1/admin/campaigns", body, token=token), 201, what="campaign")
    bargain_item, order_item = [item["id"] for item in j["items"]]
    initiators = [ctx.login() for _ in range(INITIATORS)]
    bargains = []
    for who in initiators:
        b = ctx.expect(ctx.post("/api/v1/bargains", {"item_id": bargain_item}, token=who["token"]), 201,
                       what="start")
        bargains.append({"id": b["id"], "code": b["share_code"], "owner": who["user"]["id"]})
    helpers = [ctx.login() for _ in range(HELPERS)]
    buyers = [ctx.login() for _ in range(BUYERS)]
    return {"campaign": j["id"], "bargain_item": bargain_item, "order_item": order_item, "bargains": bargains,
            "helpers": helpers, "buyers": buyers}


# -------------------------------------------------------------------- load

class Load:
    def __init__(self, ctx, world):
        self.ctx = ctx
        self.world = world
        self.lock = threading.Lock()
        self.pairs = [(h, b) for h in range(HELPERS) for b in range(INITIATORS)]
        random.shuffle(self.pairs)
        self.helps = []      # acknowledged: (bargain_id, helper_id, cut_fen)
        self.orders = []     # acknowledged: (order_id, user_id, key)
        self.sent = 0
        self.unanswered = 0
        self.answers = {}
        self.stop = threading.Event()
        self.keys = 0

    def send(self, method, path, body, token, extra=None):
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token,
                   "X-Forwarded-For": self.ctx.new_ip(), "Connection": "close"}
        headers.update(extra or {})
        conn = http.client.HTTPConnection(self.ctx.host, self.ctx.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request(method, path, json.dumps(body).encode(), headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, data
        except (OSError, http.client.HTTPException):
            return None, b""
        finally:
            conn.close()

    def count(self, status):
        with self.lock:
            self.sent += 1
            if status is None:
                self.unanswered += 1
            else:
                self.answers[status] = self.answers.get(status, 0) + 1

    def one_help(self):
        with self.lock:
            if not self.pairs:
                return
            h, b = self.pairs.pop()
        helper = self.world["helpers"][h]
        bargain = self.world["bargains"][b]
        status, data = self.send("POST", "/api/v1/s/%s/help" % bargain["code"], {}, helper["token"])
        self.count(status)
        if status == 200:
            cut = json.loads(data)["cut_fen"]
            with self.lock:
                self.helps.append((bargain["id"], helper["user"]["id"], cut))

    def one_order(self):
        buyer = random.choice(self.world["buyers"])
        with self.lock:
            self.keys += 1
            key = "crash-%d-%d" % (os.getpid(), self.keys)
        body = {"lines": [{"item_id": self.world["order_item"], "qty": 1}], "address": ADDRESS}
        status, data = self.send("POST", "/api/v1/orders", body, buyer["token"], {"Idempotency-Key": key})
        self.count(status)
        if status == 201:
            with self.lock:
                self.orders.append((json.loads(data)["id"], buyer["user"]["id"], key))

    def run(self):
        while not self.stop.is_set():
            if random.random() < 0.7:
                self.one_help()
            else:
                self.one_order()


# ---------------------------------------------------------------- killing

def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return [part.decode() for part in f.read().split(b"\0") if part]


def pid_from(path):
    with open(path) as f:
        return int(f.read().strip())


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def db_answers(ctx):
    try:
        return ctx.sql_value("SELECT 1") == "1"
    except Exception:
        return False


def kill_mariadb(ctx, events):
    run = ctx.run_dir
    pid = pid_from(os.path.join(run, "mysqld.pid"))
    argv = cmdline(pid)
    os.kill(pid, signal.SIGKILL)
    verdict(wait_for(lambda: not alive(pid), 10), "mariadbd is gone after SIGKILL")
    events.append("mariadbd killed")
    time.sleep(1.5)
    log = open(os.path.join(run, "mariadbd.log"), "ab")
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    verdict(wait_for(lambda: db_answers(ctx), 60), "mariadbd restarted and recovered")
    events.append("mariadbd back")


def kill_workers(ctx, events):
    master = pid_from(os.path.join(ctx.run_dir, "kanjiad.pid"))
    workers = children(master)[:2]
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    events.append("workers %s killed" % workers)
    verdict(wait_for(lambda: len([p for p in children(master) if p not in workers]) >= ctx.workers, 10),
            "the master replaced both killed workers")


def kill_master(ctx, events):
    run = ctx.run_dir
    master = pid_from(os.path.join(run, "kanjiad.pid"))
    argv = cmdline(master)
    workers = children(master)
    os.kill(master, signal.SIGKILL)
    events.append("master killed")
    orphans_gone = wait_for(lambda: not any(alive(p) for p in workers), 3)
    verdict(orphans_gone, "the workers die with their master",
            "" if orphans_gone else "still running: %s" % [p for p in workers if alive(p)])
    for pid in workers:  # leave nothing behind either way
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    log = open(os.path.join(run, "kanjiad.log"), "ab")
    fresh = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(run, "kanjiad.pid"), "w") as f:
        f.write("%d\n" % fresh.pid)
    verdict(wait_for(lambda: len(children(fresh.pid)) >= ctx.workers, 20), "a new master started its workers")
    events.append("master restarted")
    return fresh.pid


# ----------------------------------------------------------------- checks

def check_helps(ctx, world, load):
    recorded = {(int(b), int(h)): int(c) for b, h, c in ctx.sql(
        "SELECT bargain_id, helper_id, cut_fen FROM bargain_cut WHERE campaign_id = %d AND kind = 'help'"
        % world["campaign"])}
    lost = [(b, h, c, recorded.get((b, h))) for b, h, c in load.helps if recorded.get((b, h)) != c]
    verdict(not lost, "every acknowledged help is recorded with its amount (%d helps)" % len(load.helps),
            "missing or different (bargain, helper, acknowledged, recorded): %s" % lost[:5])


def check_orders(ctx, world, load):
    recorded = {int(i): (int(u), s) for i, u, s in ctx.sql(
        "SELECT id, user_id, status FROM orders WHERE campaign_id = %d" % world["campaign"])}
    lost = [(o, recorded.get(o)) for o, u, k in load.orders if recorded.get(o) != (u, "pending_payment")]
    verdict(not lost, "every acknowledged order is there, pending payment (%d orders)" % len(load.orders),
            "missing or changed: %s" % lost[:5])
    ids = [o[0] for o in load.orders]
    verdict(len(ids) == len(set(ids)), "no order acknowledged twice")


def check_bargains(ctx, world):
    ids = ",".join(str(b["id"]) for b in world["bargains"])
    bad = ctx.sql(
        "SELECT b.id FROM bargain b LEFT JOIN (SELECT bargain_id, SUM(cut_fen) s, COUNT(*) n, SUM(kind = 'help') h "
        "FROM bargain_cut GROUP BY bargain_id) c ON c.bargain_id = b.id WHERE b.id IN (%s) AND NOT ("
        "b.original_price_fen - COALESCE(c.s, 0) = b.current_price_fen AND b.cut_total_fen = COALESCE(c.s, 0) "
        "AND b.cuts = COALESCE(c.n, 0) AND b.helpers = COALESCE(c.h, 0) "
        "AND b.current_price_fen >= b.floor_price_fen)" % ids)
    verdict(not bad, "every bargain's price, totals and counts equal its cut rows", "bargains %s" % bad[:10])


def check_stock(ctx, world):
    item = world["order_item"]
    row = ctx.sql(
        "SELECT i.stock_total, i.stock_left, i.stock_reserved, i.stock_sold, "
        "(SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
        " WHERE l.item_id = i.id AND o.status = 'pending_payment'), "
        "(SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
        " WHERE l.item_id = i.id AND o.status IN ('paid', 'shipped', 'completed')) "
        "FROM campaign_item i WHERE i.id = %d" % item)[0]
    total, left, reserved, sold, pending_qty, sold_qty = (int(x) for x in row)
    verdict(total == ORDER_STOCK and total == left + reserved + sold,
            "stock: total = left + reserved + sold", "%s" % row)
    verdict(reserved == pending_qty and sold == sold_qty, "stock: reserved and sold equal the orders' lines",
            "reserved %d vs %d pending, sold %d vs %d" % (reserved, pending_qty, sold, sold_qty))


def check_processes(ctx, master):
    serving = subprocess.run(["pgrep", "-f", "%s -c %s serve" % (ctx.bin, ctx.conf_path)], capture_output=True,
                             text=True).stdout.split()
    strays = []
    for pid in map(int, serving):
        try:
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if pid != master and ppid != master:
            strays.append(pid)
    verdict(not strays, "no pool process runs beside the new master", "strays %s" % strays)


# ------------------------------------------------------------------- main

def main():
    ctx = kanjia.Context()
    if ctx.shared_stack or not ctx.run_dir:
        print("the crash stage needs a stack of its own (KANJIA_RUN_DIR)")
        print("0 passed, 1 failed")
        return 1
    started = time.time()
    world = setup(ctx)
    load = Load(ctx, world)
    threads = [threading.Thread(target=load.run, daemon=True) for _ in range(THREADS)]
    for t in threads:
        t.start()
    events = []
    master = None
    try:
        time.sleep(3)
        kill_mariadb(ctx, events)
        time.sleep(3)
        kill_workers(ctx, events)
        time.sleep(3)
        master = kill_master(ctx, events)
        recovered = wait_for(lambda: load.send("GET", "/api/v1/campaigns", {}, world["buyers"][0]["token"])[0]
                             == 200, 20)
        verdict(recovered, "the API answers again after the last kill")
        time.sleep(max(0, LOAD_SECONDS - (time.time() - started)))
    finally:
        load.stop.set()
        for t in threads:
            t.join(REQUEST_TIMEOUT_S + 2)
    print("load: %d requests, %d helps and %d orders acknowledged, %d without an answer, answers %s; %s"
          % (load.sent, len(load.helps), len(load.orders), load.unanswered, dict(sorted(load.answers.items())),
             ", ".join(events)), flush=True)
    verdict(len(load.helps) > 0 and len(load.orders) > 0, "the load acknowledged helps and orders")
    check_helps(ctx, world, load)
    check_orders(ctx, world, load)
    check_bargains(ctx, world)
    check_stock(ctx, world)
    if master:
        check_processes(ctx, master)
    passed = sum(1 for r in results if r)
    failed = len(results) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
