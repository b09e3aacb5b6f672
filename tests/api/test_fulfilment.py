"""After payment, under concurrency: the same notify many times at once pays
the order once; a refund and a ship racing on one paid order leave it
refunded with the stock right for whichever came first; a refund takes back
exactly the points the order earned (as far as the shopper still has them).

(shipped -> completed does not exist yet: another issue builds it, and its
tests come with it.)"""

from kanjia import check, eq
import test_orders as orders
from test_admin import admin_session

ORDER = 56  # after test_orders (50)

_fulfilment = {}


def fulfilment_token(ctx):
    if "token" not in _fulfilment:
        _fulfilment["token"] = admin_session(ctx, "fulfilment")["token"]
    return _fulfilment["token"]


def per_yuan(ctx):
    return int(ctx.conf.get("points_per_yuan_paid", "1"))


def paid_order(ctx, who, item_id, qty=1):
    """An order of qty units, paid through the sandbox; returns the order."""
    j = orders.place(ctx, who, orders.body(item_id, qty=qty), expect=201).json
    p = orders.pay(ctx, who, j["id"])
    payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": j["total_fen"], "status": "success"}
    eq(ctx.expect(orders.notify(ctx, payload), 200, what="notify")["outcome"], "paid", "paid")
    return j


def test_parallel_duplicate_notifies_pay_once(ctx):
    _, item_id = orders.make_item(ctx, price=12345, stock=10)
    alice = orders.shopper(ctx)
    j = orders.place(ctx, alice, orders.body(item_id, qty=2), expect=201).json
    p = orders.pay(ctx, alice, j["id"])
    payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": j["total_fen"], "status": "success"}
    answers = ctx.concurrently([lambda: orders.notify(ctx, payload)] * 12, what="12 copies of one notify at once")
    outcomes = sorted(ctx.expect(r, 200, what="notify")["outcome"] for r in answers)
    eq(outcomes, ["duplicate"] * 11 + ["paid"], "one notify pays, the copies are duplicates")
    eq(orders.order_status(ctx, j["id"]), "paid", "order")
    eq(orders.check_stock(ctx, item_id, 10), (10, 8, 0, 2), "stock sold once")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id = %d AND to_status = 'paid'" % j["id"]), "1",
       "one paid event")
    eq(ctx.sql("SELECT delta, reason FROM points_ledger WHERE order_id = %d" % j["id"]),
       [[str(j["total_fen"] // 100 * per_yuan(ctx)), "order_paid"]], "points earned once")
    eq(ctx.sql_value("SELECT COUNT(*) FROM payment WHERE order_id = %d AND status = 'succeeded'" % j["id"]), "1",
       "one succeeded payment")


def test_refund_and_ship_racing_on_one_order(ctx):
    # Ten paid orders; for each, a ship and a refund at once. Either the
    # ship wins (then the refund refunds a shipped order: no stock back) or
    # the refund wins (stock back, and the ship is refused: invalid_state).
    _, item_id = orders.make_item(ctx, price=5000, stock=30)
    token = fulfilment_token(ctx)
    people = orders.shoppers(ctx, 10)
    made = [paid_order(ctx, who, item_id) for who in people]
    eq(orders.stock(ctx, item_id), [30, 20, 0, 10], "ten sold")
    ship = {"carrier": "顺丰速运", "tracking_no": "SF0000000001"}
    calls = []
    for j in made:
        calls.append(lambda j=j: ("ship", j["id"], ctx.post("/api/v1/admin/orders/%d/ship" % j["id"], ship,
                                                             token=token)))
        calls.append(lambda j=j: ("refund", j["id"], ctx.post("/api/v1/admin/orders/%d/refund" % j["id"],
                                                               token=token)))
    answers = ctx.concurrently(calls, what="ten ships racing ten refunds")
    shipped_first = 0
    for j in made:
        ship_r = [r for kind, oid, r in answers if oid == j["id"] and kind == "ship"][0]
        refund_r = [r for kind, oid, r in answers if oid == j["id"] and kind == "refund"][0]
        refund = ctx.expect(refund_r, 200, what="the refund of order %d" % j["id"])
        eq(refund["status"], "refunded", "order %d refunded" % j["id"])
        if ship_r.status == 200:
            shipped_first += 1
            eq(refund["restocked"], False, "order %d: refunded after shipping, no stock back" % j["id"])
            eq([row[0] for row in ctx.sql("SELECT to_status FROM order_event WHERE order_id = %d AND actor = 'admin' "
                                          "ORDER BY id" % j["id"])], ["shipped", "refunded"], "events")
        else:
            ctx.expect(ship_r, 409, "invalid_state", what="a ship after the refund of order %d" % j["id"])
            eq(refund["restocked"], True, "order %d: refunded before shipping, stock back" % j["id"])
            eq([row[0] for row in ctx.sql("SELECT to_status FROM order_event WHERE order_id = %d AND actor = 'admin' "
                                          "ORDER BY id" % j["id"])], ["refunded"], "events")
        eq(orders.order_status(ctx, j["id"]), "refunded", "order %d in the database" % j["id"])
    restocked = len(made) - shipped_first
    total, left, reserved, sold = orders.stock(ctx, item_id)
    eq((total, left, reserved, sold), (30, 20 + restocked, 0, 10 - restocked),
       "stock: back for the %d refunded before shipping" % restocked)


def test_refund_takes_back_exactly_the_points_earned(ctx):
    _, item_id = orders.make_item(ctx, price=12399, stock=10)
    token = fulfilment_token(ctx)
    alice, bob = orders.shopper(ctx), orders.shopper(ctx)
    earned = 2 * 12399 // 100 * per_yuan(ctx)  # the test's own arithmetic: whole yuan of 247.98
    check(earned > 0, "points_per_yuan_paid is not 0")
    j = paid_order(ctx, alice, item_id, qty=2)
    eq(ctx.expect(ctx.get("/api/v1/me/points", token=alice["token"]), 200)["balance"], earned, "earned")
    r = ctx.expect(ctx.post("/api/v1/admin/orders/%d/refund" % j["id"], token=token), 200, what="refund")
    eq(r["status"], "refunded", "refunded")
    points = ctx.expect(ctx.get("/api/v1/me/points", token=alice["token"]), 200, what="points after the refund")
    eq(points["balance"], 0, "balance after the refund")
    eq([(x["delta"], x["balance_after"], x["reason"], x["order_id"]) for x in points["items"]],
       [(-earned, 0, "order_refunded", j["id"]), (earned, earned, "order_paid", j["id"])], "ledger, newest first")
    # The points already went elsewhere: only what is left comes back, and
    # the balance never goes below zero.
    j = paid_order(ctx, bob, item_id, qty=2)
    spent = earned - 7
    ctx.sql("UPDATE shopper SET points_balance = points_balance - %d WHERE id = %d" % (spent, bob["id"]))
    ctx.expect(ctx.post("/api/v1/admin/orders/%d/refund" % j["id"], token=token), 200, what="refund")
    eq(ctx.sql("SELECT delta, balance_after FROM points_ledger WHERE order_id = %d AND reason = 'order_refunded'"
               % j["id"]), [["-7", "0"]], "only the 7 points left are taken")
    eq(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % bob["id"]), "0", "bob's balance")
