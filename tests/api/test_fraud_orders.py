"""Anti-fraud on the order scope: a block refuses the order before anything
is written (stock and the Idempotency-Key untouched), a review lets the order
through but holds it — it can be paid, not shipped, until an admin releases
it — and a bargain held for review cannot be ordered.

ORDER 66: after test_fraud (65); every rule here matches only this test's
own User-Agent marker and is deleted at the end."""

from kanjia import check, eq
import test_orders as orders
from test_admin import admin_session
from test_fraud import REVIEWS, Rules, marker, risk_token

ORDER = 66


def test_block_on_orders_writes_nothing(ctx):
    ua = marker()
    _, item_id = orders.make_item(ctx, price=10000, stock=10)
    alice = orders.shopper(ctx)
    key = orders.new_key()
    with Rules(ctx) as rules:
        rules.add("user_agent", "^" + ua + "$", "block", ["order"])
        r = ctx.post("/api/v1/orders", orders.body(item_id), token=alice["token"], ip=alice["ip"],
                     headers={"Idempotency-Key": key, "User-Agent": ua})
        ctx.expect(r, 403, "risk_rejected", what="blocked order")
        eq(orders.stock(ctx, item_id), [10, 10, 0, 0], "stock after a blocked order")
        eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "0", "orders")
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE scope = 'order' AND action = 'block' "
                         "AND user_agent = '%s'" % ua), "1", "the blocked order is recorded")
        # the refused attempt freed its key: the same key without the marker orders
        orders.place(ctx, alice, orders.body(item_id), key=key, expect=201)
    orders.check_stock(ctx, item_id, 10)


def test_review_on_orders_holds_shipping_until_released(ctx):
    ua = marker()
    _, item_id = orders.make_item(ctx, price=10000, stock=10)
    alice = orders.shopper(ctx)
    fulfilment = admin_session(ctx, "fulfilment")["token"]
    with Rules(ctx) as rules:
        rules.add("user_agent", "^" + ua + "$", "review", ["order"])
        r = ctx.post("/api/v1/orders", orders.body(item_id), token=alice["token"], ip=alice["ip"],
                     headers={"Idempotency-Key": orders.new_key(), "User-Agent": ua})
        order = ctx.expect(r, 201, what="order under review")
    queue = ctx.expect(ctx.get(REVIEWS + "?limit=100", token=risk_token(ctx)), 200)["items"]
    mine = [x for x in queue if x["kind"] == "order" and x["target_id"] == order["id"]]
    eq([x["status"] for x in mine], ["pending"], "the order waits in the review queue")
    # paying is allowed; shipping waits for the release
    payment = orders.pay(ctx, alice, order["id"])
    r = orders.notify(ctx, {"payment_id": payment["payment_id"], "order_id": order["id"],
                            "amount_fen": order["total_fen"], "status": "success"})
    ctx.expect(r, 200, what="notify")
    eq(orders.order_status(ctx, order["id"]), "paid", "paid while held")
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    r = ctx.post("/api/v1/admin/orders/%d/ship" % order["id"], ship, token=fulfilment)
    ctx.expect(r, 409, "invalid_state", what="ship a held order")
    eq(orders.order_status(ctx, order["id"]), "paid", "still paid")
    ctx.expect(ctx.post("%s/%d/release" % (REVIEWS, mine[0]["id"]), token=risk_token(ctx)), 200, what="release")
    j = ctx.expect(ctx.post("/api/v1/admin/orders/%d/ship" % order["id"], ship, token=fulfilment), 200, what="ship")
    eq(j["status"], "shipped", "shipped after the release")
    orders.check_stock(ctx, item_id, 10)


def test_a_held_bargain_cannot_be_ordered(ctx):
    _, item_id = orders.make_item(ctx, price=50000, stock=10)
    alice = orders.shopper(ctx)
    bargain_id = orders.make_succeeded_bargain(ctx, alice["id"], item_id)
    ctx.sql("UPDATE bargain SET held = 1 WHERE id = %d" % bargain_id)
    orders.place(ctx, alice, orders.body(item_id, bargain_id=bargain_id), expect=409, code="bargain_not_succeeded")
    eq(orders.stock(ctx, item_id), [10, 10, 0, 0], "stock untouched")
    ctx.sql("UPDATE bargain SET held = 0 WHERE id = %d" % bargain_id)
    orders.place(ctx, alice, orders.body(item_id, bargain_id=bargain_id), expect=201)


def test_order_velocity_limits_by_phone_and_ip(ctx):
    # fraud_order_limits (phone:30/1h ip:60/1h ... by default): the order
    # that reaches a limit goes through, the next one is refused with 429
    # and Retry-After before anything is written, and the counter stays at
    # the limit. Counters are filled to just below the limit here.
    from test_fraud import _fill, _limits, counter, normal_phone
    ctx.wait_hour_boundary(margin=60)
    limits = _limits(ctx, "fraud_order_limits", "phone:30/1h ip:60/1h subnet:120/1h device:30/1h")
    eq((limits["phone"][1], limits["ip"][1]), ("1h", "1h"), "hourly order windows configured")
    _, item_id = orders.make_item(ctx, price=1000, stock=20)

    # By phone: from ever-new addresses, the phone's own count decides.
    j = ctx.login(normal_phone(ctx))
    alice = {"token": j["token"], "id": j["user"]["id"], "ip": ctx.new_ip()}
    bucket = "fv:order:phone:3600:" + j["phone"]
    _fill(ctx, bucket, limits["phone"][0] - 1)
    orders.place(ctx, alice, orders.body(item_id), expect=201)
    eq(counter(ctx, bucket), limits["phone"][0], "phone counter at the limit")
    alice["ip"] = ctx.new_ip()
    r = orders.place(ctx, alice, orders.body(item_id), expect=429, code="rate_limited")
    retry = int(r.header("Retry-After") or 0)
    check(1 <= retry <= 3600, "Retry-After %r within the hour" % r.header("Retry-After"))
    eq(counter(ctx, bucket), limits["phone"][0], "phone counter after the refusal")
    eq(orders.stock(ctx, item_id), [20, 19, 1, 0], "the refused order took no stock")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "1", "one order written")

    # By IP: another shopper from an address that is at its limit.
    bob = orders.shopper(ctx)
    bob["ip"] = ctx.new_ip()
    bucket = "fv:order:ip:3600:" + bob["ip"]
    _fill(ctx, bucket, limits["ip"][0])
    orders.place(ctx, bob, orders.body(item_id), expect=429, code="rate_limited")
    eq(counter(ctx, bucket), limits["ip"][0], "ip counter after the refusal")
    bob["ip"] = ctx.new_ip()
    orders.place(ctx, bob, orders.body(item_id), expect=201)
    orders.check_stock(ctx, item_id, 20)
