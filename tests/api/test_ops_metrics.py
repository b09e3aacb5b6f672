"""Operations (API.md, "Operations"; issue 11): GET /api/v1/health, GET
/metrics read with a real Prometheus parser (Debian's
python3-prometheus-client), and the status page (/status, php-fpm's
pm.status_path). Counters are checked to move by exact amounts after known
requests: they are sums over every worker, kept in the master's shared
segment."""

import re
import threading

from kanjia import Skip, check, eq

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # ./dev installs python3-prometheus-client
    text_string_to_metric_families = None

import test_bargain
import test_orders

ORDER = 60

LOOPBACK = "127.0.0.1"
CAMPAIGNS = "/api/v1/campaigns"

REQUIRED = {
    "kanjia_http_requests": "counter",
    "kanjia_http_request_duration_seconds": "histogram",
    "kanjia_db_statements": "counter",
    "kanjia_db_errors": "counter",
    "kanjia_workers": "gauge",
    "kanjia_worker_restarts": "counter",
    "kanjia_helps": "counter",
    "kanjia_orders": "counter",
    "kanjia_fraud_decisions": "counter",
}


class Scrape:
    """One /metrics answer, parsed: families by name, samples by name and labels."""

    def __init__(self, ctx):
        if text_string_to_metric_families is None:
            raise AssertionError("python3-prometheus-client is not installed (./dev installs it)")
        r = ctx.get("/metrics", ip=LOOPBACK)
        ctx.expect(r, 200, what="metrics from loopback")
        content_type = r.header("Content-Type") or ""
        check(content_type.startswith("text/plain") and "version=0.0.4" in content_type,
              "metrics Content-Type %r" % content_type)
        self.text = r.body.decode("utf-8")
        self.families = {f.name: f for f in text_string_to_metric_families(self.text)}
        self.samples = {}
        for family in self.families.values():
            for s in family.samples:
                self.samples[(s.name, tuple(sorted(s.labels.items())))] = s.value

    def value(self, name, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def total(self, name, **labels):
        """Sum over every sample of name whose labels include labels."""
        want = set(labels.items())
        return sum(v for (n, l), v in self.samples.items() if n == name and want <= set(l))


def status_page(ctx):
    r = ctx.get("/status", ip=LOOPBACK)
    return ctx.expect(r, 200, what="status page")


# ------------------------------------------------------------------ health

def test_health_answers_ok_with_the_version(ctx):
    r = ctx.get("/api/v1/health")
    j = ctx.expect(r, 200, what="health")
    eq((j["status"], j["db"]), ("ok", "ok"), "health")
    check(re.fullmatch(r"\d+\.\d+\.\d+\S*( \([0-9a-f]{7,40}(-dirty)?\))?", j["version"] or ""), "version %r" % j["version"])
    if ctx.repo:
        with open(ctx.repo + "/configure.ac", encoding="utf-8") as f:
            declared = re.search(r"AC_INIT\(\[kanjia\], \[([^\]]+)\]", f.read()).group(1)
        check(j["version"].startswith(declared), "health version %r, configure.ac says %r" % (j["version"], declared))


# ----------------------------------------------------------------- access

def test_metrics_and_status_only_for_loopback_and_the_allow_list(ctx):
    for path in ("/metrics", "/status", "/status?format=text"):
        ctx.expect(ctx.get(path), 404, "not_found", what="%s from another address" % path)
        ctx.expect(ctx.get(path, ip=LOOPBACK), 200, what="%s from loopback" % path)
    # straight to the pool: REMOTE_ADDR decides, nginx aside
    status, _, body = ctx.fastcgi(ctx.fastcgi_params("GET", "/metrics", ip="192.0.2.7"))
    eq(status, 404, "metrics over FastCGI from an unlisted address")
    status, _, body = ctx.fastcgi(ctx.fastcgi_params("GET", "/metrics", ip="127.0.0.9"))
    eq(status, 200, "metrics over FastCGI from 127.0.0.9")
    check(b"kanjia_http_requests_total" in body, "metrics body")


# ---------------------------------------------------------------- metrics

def test_metrics_have_the_contract_families(ctx):
    scrape = Scrape(ctx)
    for name, kind in REQUIRED.items():
        check(name in scrape.families, "no %s in /metrics" % name)
        eq(scrape.families[name].type, kind, "type of %s" % name)
    workers = scrape.total("kanjia_workers")
    eq(int(workers), ctx.workers, "kanjia_workers summed over states")
    for status in ("created", "paid", "cancelled"):
        check(("kanjia_orders_total", (("status", status),)) in scrape.samples, "orders_total{status=%s}" % status)
    for action in ("allow", "block", "shadow", "review"):
        check(("kanjia_fraud_decisions_total", (("action", action),)) in scrape.samples,
              "fraud_decisions_total{action=%s}" % action)


def histogram(scrape, route, method="GET"):
    """(buckets [(le, cumulative)], count, sum) of a route's duration histogram."""
    buckets = []
    for (name, labels), value in scrape.samples.items():
        d = dict(labels)
        if name == "kanjia_http_request_duration_seconds_bucket" and d.get("route") == route and d.get("method") == method:
            buckets.append((float(d["le"]), value))
    buckets.sort()
    return (buckets, scrape.value("kanjia_http_request_duration_seconds_count", method=method, route=route),
            scrape.value("kanjia_http_request_duration_seconds_sum", method=method, route=route))


def test_request_counters_move_by_exact_amounts_summed_over_workers(ctx):
    before = Scrape(ctx)
    status_before = {p["pid"]: p["requests"] for p in status_page(ctx)["processes"]}
    n, threads_n = 48, 8
    failures = []

    def run(k):
        for _ in range(n // threads_n):
            r = ctx.get(CAMPAIGNS, checked=False)
            if r.status != 200:
                failures.append(r.status)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(threads_n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    eq(failures, [], "campaign reads")
    after = Scrape(ctx)
    labels = dict(method="GET", route=CAMPAIGNS, status="200")
    eq(after.value("kanjia_http_requests_total", **labels) - before.value("kanjia_http_requests_total", **labels),
       n, "kanjia_http_requests_total{GET %s 200} moved by" % CAMPAIGNS)
    buckets, count, total = histogram(after, CAMPAIGNS)
    _, count_before, total_before = histogram(before, CAMPAIGNS)
    eq(count - count_before, n, "duration histogram count moved by")
    check(total > total_before, "duration sum grew")
    check(buckets and buckets[-1][0] == float("inf") and buckets[-1][1] == count, "+Inf bucket equals the count")
    check(all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), "buckets are cumulative")
    check(after.value("kanjia_db_statements_total") >= before.value("kanjia_db_statements_total") + n,
          "each campaign read ran at least one statement")
    # more than one worker served them, and their own counts add up
    served = {p["pid"]: p["requests"] - status_before.get(p["pid"], 0) for p in status_page(ctx)["processes"]}
    busy = [pid for pid, k in served.items() if k > 0]
    check(len(busy) >= 2, "only %d worker(s) served %d concurrent requests: %s" % (len(busy), n, served))


def test_help_order_and_fraud_counters_follow_the_database(ctx):
    def facts():
        return {
            "helps": int(ctx.sql_value("SELECT COUNT(*) FROM bargain_cut WHERE kind = 'help'")),
            "created": int(ctx.sql_value("SELECT COUNT(*) FROM orders")),
            "paid": int(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE to_status = 'paid'")),
            "cancelled": int(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE to_status = 'cancelled'")),
            "decisions": int(ctx.sql_value("SELECT COUNT(*) FROM fraud_event")),
        }

    def counters(scrape):
        return {
            "helps": scrape.value("kanjia_helps_total"),
            "created": scrape.value("kanjia_orders_total", status="created"),
            "paid": scrape.value("kanjia_orders_total", status="paid"),
            "cancelled": scrape.value("kanjia_orders_total", status="cancelled"),
            "decisions": scrape.total("kanjia_fraud_decisions_total"),
        }

    _, item_id = test_bargain.make_item(ctx)
    owner = test_bargain.shopper(ctx)
    helpers = [test_bargain.shopper(ctx) for _ in range(3)]
    bargain = test_bargain.start(ctx, owner, item_id)
    _, order_item = test_orders.make_item(ctx, price=12300)
    buyer = test_orders.shopper(ctx)

    db_before, before = facts(), counters(Scrape(ctx))
    for helper in helpers:
        test_bargain.help_(ctx, helper, bargain["share_code"])
    kept = test_orders.place(ctx, buyer, test_orders.body(order_item), expect=201).json
    dropped = test_orders.place(ctx, buyer, test_orders.body(order_item), expect=201).json
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % dropped["id"], token=buyer["token"], ip=buyer["ip"]), 200,
               what="cancel")
    payment = test_orders.pay(ctx, buyer, kept["id"])
    r = test_orders.notify(ctx, {"payment_id": payment["payment_id"], "order_id": kept["id"],
                                 "amount_fen": kept["total_fen"], "status": "success"})
    eq(ctx.expect(r, 200, what="notify")["outcome"], "paid", "notify outcome")
    db_after, after = facts(), counters(Scrape(ctx))

    db_moved = {k: db_after[k] - db_before[k] for k in db_after}
    moved = {k: int(after[k] - before[k]) for k in after}
    eq(db_moved["helps"], 3, "helps recorded in the database")
    eq(moved["helps"], 3, "kanjia_helps_total moved by")
    check(db_moved["created"] == 2 and db_moved["paid"] >= 1 and db_moved["cancelled"] >= 1,
          "orders in the database moved by %s" % db_moved)
    # the sweeper may cancel other tests' unpaid orders meanwhile: the
    # counters follow the database exactly, whoever wrote
    for key in ("created", "paid", "cancelled", "decisions"):
        eq(moved[key], db_moved[key], "kanjia counter %s vs the database" % key)


# ------------------------------------------------------------ status page

def test_status_page_json_and_text(ctx):
    j = status_page(ctx)
    for key in ("pool", "started_at", "uptime_s", "accepted", "workers", "idle", "busy", "slow_requests",
                "timeouts", "restarts", "processes"):
        check(key in j, "status page lacks %s" % key)
    eq(j["workers"], ctx.workers, "workers")
    eq(j["idle"] + j["busy"] + j["starting"], j["workers"], "idle + busy + starting")
    check(j["busy"] >= 1, "the worker answering is busy")
    eq(len(j["processes"]), ctx.workers, "processes listed")
    mine = [p for p in j["processes"] if p["state"] == "busy" and p["route"] == "/status"]
    eq(len(mine), 1, "the worker serving the page shows its own request")
    for p in j["processes"]:
        check(isinstance(p["pid"], int) and p["pid"] > 0 and p["requests"] >= 0, "process %r" % p)
    accepted = j["accepted"]
    eq(status_page(ctx)["accepted"], accepted + 1, "accepted counts every request")
    r = ctx.get("/status?format=text", ip=LOOPBACK)
    ctx.expect(r, 200, what="text status")
    check((r.header("Content-Type") or "").startswith("text/plain"), "text status content type")
    text = r.body.decode("utf-8")
    for label in ("accepted conn:", "idle processes:", "active processes:", "total processes:", "slow requests:",
                  "restarts:", "pid:", "state:", "request duration ms:"):
        check(label in text, "text status lacks %r" % label)
    ctx.expect(ctx.get("/status?format=xml", ip=LOOPBACK), 400, "invalid_field")


def test_health_from_a_pool_without_database(ctx):
    """The pool answers 503 db down while MariaDB is away: run over FastCGI
    through a worker whose connection is killed (KILL from root) and whose
    reconnect is refused (the kanjia user is locked for a moment)."""
    if ctx.shared_stack:
        raise Skip("the shared stack at /tmp/kj is not ours to lock its database user")
    ctx.sql("ALTER USER 'kanjia'@'localhost' ACCOUNT LOCK")
    try:
        ids = [row[0] for row in ctx.sql("SELECT id FROM information_schema.processlist WHERE user = 'kanjia'")]
        for conn_id in ids:
            ctx.sql("KILL %s" % conn_id)
        answers = [ctx.get("/api/v1/health", checked=False) for _ in range(ctx.workers * 3)]
    finally:
        ctx.sql("ALTER USER 'kanjia'@'localhost' ACCOUNT UNLOCK")
    down = [r for r in answers if r.status == 503]
    check(down, "no 503 while the database refused the pool: %s" % sorted({r.status for r in answers}))
    for r in down:
        j = r.json
        eq((j["status"], j["db"]), ("down", "down"), "health while down")
        check(r.header("Retry-After"), "503 health without Retry-After")
    # and back
    j = ctx.expect(ctx.get("/api/v1/health"), 200, what="health after the database came back")
    eq(j["db"], "ok", "db after")
