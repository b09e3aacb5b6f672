"""The pool's limits and its life and death (issues 11 and 12), on a stack
of our own: a slow request logged with its statements and their times
(slow_request_ms), a stuck request killed with its transaction rolled back
(request_timeout_s), workers that die with their master (kill -9), and a
new master that never runs beside the old one's workers.

Slowness is made the real way: a row the request needs is locked from a
mariadb client. Runs before test_zz_pool.py (whose log checks then cover
these requests too) and puts the config back before it ends."""

import os
import re
import signal
import subprocess
import threading
import time

from kanjia import Skip, check, eq

import test_bargain
from test_zz_pool import config_without, reload_config, wait_workers

ORDER = 85

LOOPBACK = "127.0.0.1"
SLOW_MS = 300
REQUEST_TIMEOUT_S = 2
QUEUE_MS = 500


def own_stack(ctx):
    if ctx.shared_stack:
        raise Skip("the shared stack at /tmp/kj is not ours to signal")
    if not os.path.exists(os.path.join(ctx.run_dir, "kanjiad.pid")):
        raise Skip("no kanjiad.pid in KANJIA_RUN_DIR")


class RowLock:
    """A row locked FOR UPDATE by a mariadb client until release()."""

    def __init__(self, ctx, table, row_id):
        self.process = subprocess.Popen(
            ["mariadb", "--socket=" + ctx.socket_path, "-u", "root", "kanjia", "-N", "-B", "--unbuffered"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.process.stdin.write("START TRANSACTION;\nSELECT id FROM %s WHERE id = %d FOR UPDATE;\n" % (table, row_id))
        self.process.stdin.flush()
        line = self.process.stdout.readline()  # the row: the lock is held
        check(line.strip() == str(row_id), "could not lock %s %d: %r" % (table, row_id, line))

    def release(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write("ROLLBACK;\n")
                self.process.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def log_size(ctx):
    return os.path.getsize(ctx.log_path)


def log_since(ctx, offset):
    with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        return f.read()


def status(ctx):
    return ctx.expect(ctx.get("/status", ip=LOOPBACK), 200, what="status page")


def limits_config(original):
    return (config_without(original, ("slow_request_ms", "request_timeout_s", "queue_timeout_ms"))
            + "slow_request_ms = %d\nrequest_timeout_s = %d\nqueue_timeout_ms = %d\n" % (SLOW_MS, REQUEST_TIMEOUT_S, QUEUE_MS))


def help_setup(ctx):
    _, item_id = test_bargain.make_item(ctx)
    owner = test_bargain.shopper(ctx)
    helper = test_bargain.shopper(ctx)
    bargain = test_bargain.start(ctx, owner, item_id)
    return bargain, helper


def help_in_background(ctx, helper, code, timeout=20):
    answer = []

    def go():
        started = time.monotonic()
        r = ctx.post("/api/v1/s/%s/help" % code, token=helper["token"], ip=helper["ip"], timeout=timeout,
                     checked=False)
        answer.append((r, time.monotonic() - started))

    thread = threading.Thread(target=go)
    thread.start()
    return thread, answer


def test_slow_request_logged_with_its_statements_and_a_stuck_one_killed(ctx):
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    try:
        reload_config(ctx, limits_config(original))

        # --- slow: the help waits on the locked bargain, then goes through
        bargain, helper = help_setup(ctx)
        before = status(ctx)
        offset = log_size(ctx)
        lock = RowLock(ctx, "bargain", bargain["id"])
        try:
            thread, answer = help_in_background(ctx, helper, bargain["share_code"])
            time.sleep(SLOW_MS / 1000 + 0.4)
        finally:
            lock.release()
        thread.join(20)
        check(answer, "the slow help did not answer")
        ctx.expect(answer[0][0], 200, what="the slow help")
        time.sleep(0.1)
        lines = [line for line in log_since(ctx, offset).splitlines()
                 if "slow request: POST /api/v1/s/{code}/help" in line]
        eq(len(lines), 1, "slow-request log lines for the help")
        line = lines[0]
        check("statements: #1 " in line and " ms: " in line, "the slow log lists statements with times: %s" % line[:600])
        # the statement that waited on the lock is listed with the wait: the
        # help's writes are one CALL (help_apply) since issue 13
        waited = [float(ms) for ms, sql in re.findall(r"#\d+ ([0-9.]+) ms: ([^;]*)", line)
                  if "help_apply" in sql or "UPDATE bargain" in sql or "FROM bargain" in sql]
        check(waited and max(waited) >= SLOW_MS * 0.9, "the statement that waited is listed with its wait: %s" % line[:900])
        after = status(ctx)
        eq(after["slow_requests"] - before["slow_requests"], 1, "slow_requests on the status page moved by")

        # --- stuck: the lock outlives request_timeout_s; the master kills
        # the worker, nginx answers 503, and nothing of the help commits
        bargain, helper = help_setup(ctx)
        price = ctx.sql_value("SELECT current_price_fen FROM bargain WHERE id = %d" % bargain["id"])
        coupons = ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d" % helper["id"])
        master = ctx.master_pid()
        workers = wait_workers(ctx, master, ctx.workers, 5)
        check(workers is not None, "worker count before the stuck request")
        before = status(ctx)
        offset = log_size(ctx)
        lock = RowLock(ctx, "bargain", bargain["id"])
        try:
            thread, answer = help_in_background(ctx, helper, bargain["share_code"])
            thread.join(REQUEST_TIMEOUT_S + 5)
            check(answer, "no answer %d s after request_timeout_s" % 5)
            r, took = answer[0]
            ctx.expect(r, 503, "unavailable", what="the stuck help")
            ctx.check_error_body(r, "the stuck help")
            check(REQUEST_TIMEOUT_S - 0.2 <= took <= REQUEST_TIMEOUT_S + 3, "the stuck help answered after %.2f s" % took)
            # while the lock is still held: nothing of the help is visible
            eq(ctx.sql_value("SELECT COUNT(*) FROM bargain_cut WHERE bargain_id = %d AND kind = 'help'"
                             % bargain["id"]), "0", "help rows while the lock is held")
        finally:
            lock.release()
        time.sleep(0.5)  # MariaDB rolls the dead connection's work back
        eq(ctx.sql_value("SELECT COUNT(*) FROM bargain_cut WHERE bargain_id = %d AND kind = 'help'" % bargain["id"]),
           "0", "help rows after the kill")
        eq(ctx.sql_value("SELECT current_price_fen FROM bargain WHERE id = %d" % bargain["id"]), price,
           "price after the kill")
        eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d" % helper["id"]), coupons,
           "helper's coupons after the kill")
        text = log_since(ctx, offset)
        check("past request_timeout_s" in text and "POST /api/v1/s/{code}/help" in text,
              "the kill is logged with its route: %s" % text[-600:])
        after = status(ctx)
        eq(after["timeouts"] - before["timeouts"], 1, "timeouts on the status page moved by")
        check(after["restarts"] >= before["restarts"] + 1, "the killed worker counts as a restart")
        replaced = wait_workers(ctx, master, ctx.workers, 3)
        check(replaced is not None and len(workers - replaced) == 1,
              "one worker replaced: before %s, now %s" % (sorted(workers), sorted(replaced or [])))
        # the same helper can help now: the killed attempt left nothing behind
        test_bargain.help_(ctx, helper, bargain["share_code"])
        test_bargain.check_bargain_sums(ctx, bargain["id"])
    finally:
        reload_config(ctx, original)


def test_a_request_that_waited_too_long_is_shed_at_once(ctx):
    """nginx stamps REQUEST_START ($msec) as it hands a request over; a
    worker that gets it after queue_timeout_ms answers 503 with Retry-After
    without doing its work. Sent over FastCGI with a stamp of our own."""
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    try:
        reload_config(ctx, limits_config(original))
        # A request handed over before the pool started waited across a
        # restart and is not shed: let an earlier test's restart be older
        # than the stamp below.
        time.sleep(2 * QUEUE_MS / 1000 + 0.5)
        before = status(ctx)["shed"]
        stale = "%.3f" % (time.time() - 2 * QUEUE_MS / 1000)
        fresh = "%.3f" % time.time()
        code, headers, body = ctx.fastcgi(ctx.fastcgi_params("GET", "/api/v1/campaigns", REQUEST_START=stale))
        eq(code, 503, "a request stamped %d ms ago" % (2 * QUEUE_MS))
        check(headers.get("retry-after"), "the shed answer has Retry-After")
        check(b'"unavailable"' in body, "the shed answer is the JSON error: %r" % body[:200])
        code, _, _ = ctx.fastcgi(ctx.fastcgi_params("GET", "/api/v1/campaigns", REQUEST_START=fresh))
        eq(code, 200, "a request stamped just now")
        eq(status(ctx)["shed"] - before, 1, "shed on the status page moved by")
    finally:
        reload_config(ctx, original)


def test_restarted_workers_keep_the_sums(ctx):
    own_stack(ctx)
    import test_ops_metrics
    for _ in range(5):
        ctx.expect(ctx.get("/api/v1/campaigns"), 200, what="campaigns")
    before = test_ops_metrics.Scrape(ctx)
    master = ctx.master_pid()
    workers = wait_workers(ctx, master, ctx.workers, 5)
    check(workers is not None, "worker count")
    for pid in sorted(workers)[:2]:
        os.kill(pid, signal.SIGKILL)
    check(wait_workers(ctx, master, ctx.workers, 3, exclude=set(sorted(workers)[:2])) is not None,
          "the killed workers were replaced")
    after = test_ops_metrics.Scrape(ctx)
    labels = dict(method="GET", route="/api/v1/campaigns", status="200")
    eq(after.value("kanjia_http_requests_total", **labels), before.value("kanjia_http_requests_total", **labels),
       "campaign reads counted after two workers died")
    eq(after.value("kanjia_worker_restarts_total") - before.value("kanjia_worker_restarts_total"), 2,
       "kanjia_worker_restarts_total moved by")
    check(after.value("kanjia_db_statements_total") >= before.value("kanjia_db_statements_total"),
          "statements counted after two workers died")


# --------------------------------------------------- master and workers

def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def start_master(ctx):
    """Starts kanjiad serve as ./dev does (own session, log appended) and
    records its pid; returns the pid."""
    log = open(ctx.log_path, "ab")
    process = subprocess.Popen([ctx.bin, "-c", ctx.conf_path, "serve"], stdin=subprocess.DEVNULL, stdout=log,
                               stderr=log, start_new_session=True)
    log.close()
    with open(os.path.join(ctx.run_dir, "kanjiad.pid"), "w") as f:
        f.write("%d\n" % process.pid)
    return process


def wait_serving(ctx, master, seconds):
    """Waits until master has its workers and answers; returns the workers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        workers = ctx.children(master)
        if len(workers) == ctx.workers:
            r = ctx.get("/api/v1/health", checked=False)
            if r.status == 200:
                return workers
        time.sleep(0.05)
    return None


def test_workers_die_with_their_master_and_a_new_master_waits_for_them(ctx):
    own_stack(ctx)
    if not ctx.bin:
        raise Skip("KANJIA_BIN is needed to start a master")
    master = ctx.master_pid()
    workers = wait_workers(ctx, master, ctx.workers, 5)
    check(workers is not None, "worker count before")

    # kill -9 of the master: every worker is gone within a second
    os.kill(master, signal.SIGKILL)
    killed = time.monotonic()
    left = set(workers)
    while left and time.monotonic() - killed < 1.0:
        left = {pid for pid in left if alive(pid)}
        time.sleep(0.02)
    check(not left, "workers %s still alive 1 s after kill -9 of their master" % sorted(left))
    check(ctx.get("/api/v1/campaigns", checked=False).status == 503, "no pool: nginx answers 503")

    # a new master: serves, and nothing of the old pool is left
    second = start_master(ctx)
    fresh = wait_serving(ctx, second.pid, 10)
    check(fresh is not None, "the new master does not serve within 10 s")
    check(not (fresh & workers), "old workers among the new ones")

    # old workers that cannot go yet (stopped): a new master waits for them
    # rather than run beside them, and starts once they are gone
    for pid in fresh:
        os.kill(pid, signal.SIGSTOP)
    os.kill(second.pid, signal.SIGKILL)
    second.wait(5)
    third = start_master(ctx)
    try:
        time.sleep(1.0)
        check(third.poll() is None, "the third master gave up while old workers were only stopped")
        eq(ctx.children(third.pid), set(), "workers of a master started beside old ones")
        check(all(alive(pid) for pid in fresh), "the stopped old workers are still there")
    finally:
        for pid in fresh:
            try:
                os.kill(pid, signal.SIGCONT)  # their parent-death SIGTERM is pending: they go
            except ProcessLookupError:
                pass
    served = wait_serving(ctx, third.pid, 10)
    check(served is not None, "the third master does not serve after the old workers went")
    check(not any(alive(pid) for pid in fresh), "old workers left beside the third master")
    ctx.expect(ctx.get("/api/v1/campaigns"), 200, what="campaigns after the restarts")
