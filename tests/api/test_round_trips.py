"""Round trips where money moves (issue 13): a help costs at most 4 round
trips to MariaDB and an order at most 8, counting every statement, COMMIT
and CALL a worker sends, the session check included.

Counted with /metrics' kanjia_db_statements_total, the sum over every
worker of what fcgi/db/db.c sent (each prepared statement, CALL, START
TRANSACTION, COMMIT and ROLLBACK): its delta across one request on the quiet
test stack. Each try uses a shopper who just logged in, so the session check
is not in any worker's per-second cache and is counted too. A sweeper or a
share batch running in between can only add statements, so the fewest of
a few tries is an upper bound of one request's cost."""

import time

from kanjia import check, eq

import test_bargain
import test_orders

ORDER = 75

LOOPBACK = "127.0.0.1"
TRIES = 5
HELP_ROUND_TRIPS_MAX = 4
HELP_STATEMENTS = 2
ORDER_STATEMENTS = 3
ORDER_ROUND_TRIPS_MAX = 8


def statements(ctx):
    """kanjia_db_statements_total, summed over the workers."""
    r = ctx.get("/metrics", ip=LOOPBACK)
    ctx.expect(r, 200, what="metrics from loopback")
    for line in r.body.decode("utf-8").splitlines():
        if line.startswith("kanjia_db_statements_total "):
            return int(float(line.split()[1]))
    raise AssertionError("no kanjia_db_statements_total in /metrics")


def warm_up(ctx):
    """Every worker compiles the anti-fraud rules once (after a start or an
    edit of the rules, one statement of its first check, not of each
    request): a help on a code of the wrong shape is checked and recorded
    by each worker, synchronously, and answers 404."""
    who = test_bargain.shopper(ctx)
    ctx.every_worker(lambda: ctx.post("/api/v1/s/%s/help" % ("A" * 15), token=who["token"], ip=who["ip"],
                                      checked=False), "a help on a malformed code on every worker")
    time.sleep(1)


def counted(ctx, send):
    """The statements sent while send() ran, and its answer (after a pause
    for what a login leaves to the workers between requests: its SMS)."""
    time.sleep(0.3)
    before = statements(ctx)
    answer = send()
    return statements(ctx) - before, answer


def test_a_help_takes_at_most_four_round_trips(ctx):
    # with a helper's coupon and milestone rewards; cuts small enough that
    # every try cuts (the floor is not reached)
    _, item_id = test_bargain.make_item(ctx, cut_max=2000)
    initiator = test_bargain.shopper(ctx)
    code = test_bargain.start(ctx, initiator, item_id)["share_code"]
    warm_up(ctx)
    costs = []
    for _ in range(TRIES):
        helper = test_bargain.shopper(ctx)  # a fresh token: its session check is counted
        cost, answer = counted(ctx, lambda: test_bargain.help_(ctx, helper, code))
        check(answer["cut_fen"] > 0, "a help that cut")
        check(answer.get("reward") is not None, "the helper's coupon in the answer")
        costs.append(cost)
    check(min(costs) <= HELP_ROUND_TRIPS_MAX,
          "a help took %d round trips to MariaDB at the fewest (tries: %s); at most %d"
          % (min(costs), costs, HELP_ROUND_TRIPS_MAX))
    # the load and the CALL: the session's facts come with the load
    # (AUTH_SHOPPER_FOLDED), not as a statement of their own
    eq(min(costs), HELP_STATEMENTS, "statements of a help by a fresh token, at the fewest (tries: %s)" % costs)
    # what the writes left is what the answers said
    test_bargain.check_bargain_sums(ctx, int(ctx.sql_value(
        "SELECT id FROM bargain WHERE share_code = %s" % ctx.q(code))))
    eq(int(ctx.sql_value("SELECT COUNT(*) FROM coupon c JOIN bargain b ON b.share_code = %s "
                         "WHERE c.campaign_id = b.campaign_id AND c.source LIKE 'help:%%'" % ctx.q(code))),
       TRIES, "the helpers' coupons")


def test_an_order_takes_at_most_eight_round_trips(ctx):
    _, item_id = test_orders.make_item(ctx, stock=10)
    warm_up(ctx)
    costs = []
    for _ in range(TRIES):
        buyer = test_orders.shopper(ctx)  # a fresh token: its session check is counted
        key = test_orders.new_key()
        b = test_orders.body(item_id)
        cost, r = counted(ctx, lambda: test_orders.place(ctx, buyer, b, key=key))
        placed = ctx.expect(r, 201, what="order")
        costs.append(cost)
        # the answer is built from what was written: it is the order as read back
        shown = ctx.expect(ctx.get("/api/v1/orders/%d" % placed["id"], token=buyer["token"], ip=buyer["ip"]), 200,
                           what="the order read back")
        eq(placed, shown, "the order's answer and the order read back")
        # and the key keeps it: a replay answers the same order
        again = ctx.expect(test_orders.place(ctx, buyer, b, key=key), 200, what="a replay")
        eq(again, placed, "the replayed answer")
    check(min(costs) <= ORDER_ROUND_TRIPS_MAX,
          "an order took %d round trips to MariaDB at the fewest (tries: %s); at most %d"
          % (min(costs), costs, ORDER_ROUND_TRIPS_MAX))
    eq(min(costs), ORDER_STATEMENTS, "statements of an order by a fresh token, at the fewest (tries: %s)" % costs)
    test_orders.check_stock(ctx, item_id, 10)
