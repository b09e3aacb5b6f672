"""Deposit presale (定金翻倍, issue 14, API.md "Presale") over HTTP:
refusals first, then deposit -> final payment end to end (the deposit
order, its replay, the stock it holds, the final order with its `deposit`
line and no stock of its own, one final order per deposit, cancel and pay),
and a paid deposit whose final payment is missed: forfeited by the sweeper,
its stock back, exactly once. Orders carry their "kind" everywhere."""

from kanjia import check, eq
from test_orders import body, make_item, new_key, pay_and_notify, place, shopper, stock, wait_for
from test_promotions import admin, create, iso

ORDER = 75


def presale(ctx, campaign_id, item_id, deposit=10000, value=20000, final_in=3600, final_for=3600, **extra):
    b = {"kind": "presale", "title": "定金100抵200", "config": {
        "item_id": item_id, "deposit_fen": deposit, "deposit_value_fen": value,
        "final_starts_at": iso(final_in), "final_ends_at": iso(final_in + final_for)}}
    b.update(extra)
    return create(ctx, campaign_id, b)


def deposit(ctx, who, promotion_id, qty=1, key=None):
    return ctx.post("/api/v1/presale/%d/deposit" % promotion_id, {"qty": qty}, token=who["token"], ip=who["ip"],
                    headers={"Idempotency-Key": key or new_key()}, timeout=30)


def open_final_window(ctx, deposit_id):
    ctx.sql("UPDATE presale_deposit SET final_starts_at = UTC_TIMESTAMP() - INTERVAL 60 SECOND "
            "WHERE deposit_order_id = %d" % deposit_id)


def test_presale_refusals(ctx):
    campaign_id, item_id = make_item(ctx, price=50000, stock=10)
    _, foreign = make_item(ctx)
    alice = shopper(ctx)
    for config, field in [({"deposit_fen": 10000, "deposit_value_fen": 5000}, "config.deposit_value_fen"),
                          ({"item_id": foreign}, "config.item_id"),
                          ({"final_ends_at": iso(-60)}, "config.final_ends_at")]:
        b = {"kind": "presale", "title": "预售", "config": dict({
            "item_id": item_id, "deposit_fen": 10000, "deposit_value_fen": 20000,
            "final_starts_at": iso(3600), "final_ends_at": iso(7200)}, **config)}
        r = ctx.post("/api/v1/admin/campaigns/%d/promotions" % campaign_id, b, token=admin(ctx))
        ctx.expect(r, 422, "invalid_promotion", what=field)
        check(field in r.json["error"]["message"], "names %s: %s" % (field, r.json["error"]["message"]))
    p = presale(ctx, campaign_id, item_id)
    r = ctx.post("/api/v1/presale/%d/deposit" % p["id"], {"qty": 1}, token=alice["token"], ip=alice["ip"])
    ctx.expect(r, 400, "missing_idempotency_key")
    ctx.expect(deposit(ctx, alice, p["id"], qty=0), 400)
    ctx.expect(deposit(ctx, alice, 999999999), 404, "not_found")
    timed = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时",
                                      "config": {"items": [{"item_id": item_id, "percent": 50}]}})
    ctx.expect(deposit(ctx, alice, timed["id"]), 404, "not_found")
    later = presale(ctx, campaign_id, item_id, starts_at=iso(600), ends_at=iso(1200))
    ctx.expect(deposit(ctx, alice, later["id"]), 410, "presale_closed")
    ctx.expect(deposit(ctx, alice, p["id"], qty=11), 409, "out_of_stock")
    eq(stock(ctx, item_id), [10, 10, 0, 0], "nothing reserved")
    # a final payment naming what is not a paid deposit of hers
    ctx.expect(place(ctx, alice, body(item_id, deposit_order_id=999999999)), 404, "not_found")


def test_deposit_then_final_payment(ctx):
    campaign_id, item_id = make_item(ctx, price=50000, stock=10)
    p = presale(ctx, campaign_id, item_id, limits={"total": None, "per_user": 1})
    alice, bob = shopper(ctx), shopper(ctx)
    key = new_key()
    d = ctx.expect(deposit(ctx, alice, p["id"], qty=2, key=key), 201, what="deposit")
    eq((d["kind"], d["status"], d["total_fen"], d["address"], d["discounts"]),
       ("deposit", "pending_payment", 20000, None, []), "the deposit order")
    eq([(l["item_id"], l["qty"], l["unit_price_fen"]) for l in d["lines"]], [(item_id, 2, 10000)], "its line")
    eq(stock(ctx, item_id), [10, 8, 2, 0], "the deposit reserves the stock")
    again = ctx.expect(deposit(ctx, alice, p["id"], qty=2, key=key), 200, what="replay")
    eq(again["id"], d["id"], "the same order")
    ctx.expect(deposit(ctx, alice, p["id"], qty=1, key=key), 422, "idempotency_key_reused")
    ctx.expect(deposit(ctx, alice, p["id"], qty=1), 409, "limit_reached")  # limits.per_user 1
    # the final payment waits for the deposit to be paid and the window to open
    final = body(item_id, qty=2, deposit_order_id=d["id"])
    ctx.expect(place(ctx, alice, final), 409, "invalid_state")
    pay_and_notify(ctx, alice, d["id"])
    eq(stock(ctx, item_id), [10, 8, 0, 2], "paid: sold")
    r = ctx.post("/api/v1/admin/orders/%d/ship" % d["id"], {"carrier": "顺丰", "tracking_no": "SF1234567"},
                 token=admin(ctx))
    ctx.expect(r, 409, "invalid_state")  # the goods ship with the final payment
    ctx.expect(place(ctx, alice, final), 410, "presale_closed")
    open_final_window(ctx, d["id"])
    ctx.expect(place(ctx, bob, final), 404, "not_found")  # not his deposit
    ctx.expect(place(ctx, alice, body(item_id, qty=1, deposit_order_id=d["id"])), 400, "invalid_field")
    f = ctx.expect(place(ctx, alice, final), 201, what="final payment")
    eq((f["kind"], f["subtotal_fen"], f["total_fen"]), ("final", 100000, 60000), "the final order")
    eq([(x["kind"], x["amount_fen"]) for x in f["discounts"]], [("deposit", 40000)], "the deposit counts double")
    eq(stock(ctx, item_id), [10, 8, 0, 2], "the final order holds no stock of its own")
    ctx.expect(place(ctx, alice, final), 409, "invalid_state")  # one final order per deposit
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % f["id"], token=alice["token"], ip=alice["ip"]), 200, what="cancel")
    eq(stock(ctx, item_id), [10, 8, 0, 2], "a cancelled final order moves no stock")
    f2 = ctx.expect(place(ctx, alice, final), 201, what="a final order again")
    pay_and_notify(ctx, alice, f2["id"])
    eq(stock(ctx, item_id), [10, 8, 0, 2], "paid: still the deposit's two")
    r = ctx.post("/api/v1/admin/orders/%d/ship" % f2["id"], {"carrier": "顺丰", "tracking_no": "SF1234567"},
                 token=admin(ctx))
    eq(ctx.expect(r, 200, what="ship the final order")["status"], "shipped", "the final order ships")
    check(ctx.sql_value("SELECT final_paid_at IS NOT NULL FROM presale_deposit WHERE deposit_order_id = %d"
                        % d["id"]) == "1", "the deposit is kept")
    # the kind everywhere orders are answered
    mine = ctx.expect(ctx.get("/api/v1/orders", token=alice["token"]), 200, what="my orders")
    eq({o["id"]: o["kind"] for o in mine["items"]}, {d["id"]: "deposit", f["id"]: "final", f2["id"]: "final"},
       "kinds in the list")
    eq(ctx.expect(ctx.get("/api/v1/orders/%d" % d["id"], token=alice["token"]), 200)["kind"], "deposit", "one order")
    listed = ctx.expect(ctx.get("/api/v1/admin/orders?campaign_id=%d" % campaign_id, token=admin(ctx)), 200)
    eq(sorted(o["kind"] for o in listed["items"]), ["deposit", "final", "final"], "kinds for the console")


def test_an_unpaid_deposit_gives_its_stock_back(ctx):
    campaign_id, item_id = make_item(ctx, price=50000, stock=5)
    p = presale(ctx, campaign_id, item_id, limits={"total": 1, "per_user": None})
    alice, bob = shopper(ctx), shopper(ctx)
    d = ctx.expect(deposit(ctx, alice, p["id"], qty=3), 201, what="deposit")
    ctx.expect(deposit(ctx, bob, p["id"]), 409, "limit_reached")  # limits.total 1
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % d["id"], token=alice["token"], ip=alice["ip"]), 200, what="cancel")
    eq(stock(ctx, item_id), [5, 5, 0, 0], "stock back")
    ctx.expect(deposit(ctx, bob, p["id"]), 201, what="the deposit's place is free again")


def test_a_missed_final_payment_forfeits_the_deposit(ctx):
    campaign_id, item_id = make_item(ctx, price=50000, stock=5)
    p = presale(ctx, campaign_id, item_id)
    alice = shopper(ctx)
    d = ctx.expect(deposit(ctx, alice, p["id"], qty=2), 201, what="deposit")
    pay_and_notify(ctx, alice, d["id"])
    eq(stock(ctx, item_id), [5, 3, 0, 2], "sold to the deposit")
    ctx.sql("UPDATE presale_deposit SET final_starts_at = UTC_TIMESTAMP() - INTERVAL 2 HOUR, "
            "final_ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE deposit_order_id = %d" % d["id"])
    wait_for(ctx, "SELECT status FROM orders WHERE id = %d" % d["id"], "forfeited", "the sweeper forfeits it")
    eq(stock(ctx, item_id), [5, 5, 0, 0], "its stock back on sale")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id = %d AND to_status = 'forfeited'" % d["id"]),
       "1", "once")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % d["id"], token=alice["token"]), 200, what="the deposit")
    eq((got["status"], got["kind"]), ("forfeited", "deposit"), "forfeited (定金不退)")
    ctx.expect(place(ctx, alice, body(item_id, qty=2, deposit_order_id=d["id"])), 409, "invalid_state")
