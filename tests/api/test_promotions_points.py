"""The points_cash kind (积分抵现, issue 14) end to end: the admin's config
refused naming the field, `points` in the quote and the order (rate,
max_percent, `points_used`), 409 insufficient_points, the ledger rows, and
the points given back once on cancel and on refund."""

from kanjia import check, eq
from test_orders import body, make_item, pay_and_notify, place, shopper
from test_promotions import A, admin, create

ORDER = 74


def balance(ctx, user_id):
    return int(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % user_id))


def test_points_as_cash_end_to_end(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=20)
    tok = admin(ctx)
    for config, field in [({"points_per_yuan": 0, "max_percent": 20}, "config.points_per_yuan"),
                          ({"points_per_yuan": 100, "max_percent": 101}, "config.max_percent")]:
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                     {"kind": "points_cash", "title": "积分", "config": config}, token=tok)
        check(field in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "names " + field)
    alice = shopper(ctx)
    ctx.sql("UPDATE shopper SET points_balance = 3000 WHERE id = %d" % alice["id"])
    # no live points_cash: refused as before
    ctx.expect(place(ctx, alice, body(item_id, points=100)), 422, "points_not_accepted")
    p = create(ctx, campaign_id, {"kind": "points_cash", "title": "积分抵现", "config": {
        "points_per_yuan": 100, "max_percent": 20}})
    q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}], "points": 2500},
                            token=alice["token"], ip=alice["ip"]), 200)
    eq((q["points_used"], q["total_fen"]), (2000, 8000), "20% of 100 yuan: 2000 points")
    eq([(d["kind"], d["promotion_id"], d["amount_fen"]) for d in q["discounts"]],
       [("points_cash", p["id"], 2000)], "the line")
    r = ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}], "points": 3001},
                 token=alice["token"], ip=alice["ip"])
    ctx.expect(r, 409, "insufficient_points")
    ctx.expect(place(ctx, alice, body(item_id, points=3001)), 409, "insufficient_points")
    o = ctx.expect(place(ctx, alice, body(item_id, points=2500)), 201, what="order")
    eq((o["points_used"], o["total_fen"]), (2000, 8000), "the order as its quote")
    eq(balance(ctx, alice["id"]), 1000, "spent")
    eq(ctx.expect(ctx.get("/api/v1/orders/%d" % o["id"], token=alice["token"]), 200)["points_used"], 2000, "stored")
    eq(ctx.sql("SELECT delta, reason FROM points_ledger WHERE order_id = %d ORDER BY id" % o["id"]),
       [["-2000", "points_cash"]], "one ledger row")
    # the rest no longer covers 2000
    ctx.expect(place(ctx, alice, body(item_id, points=2000)), 409, "insufficient_points")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 200, what="cancel")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 409, "invalid_state")
    eq(balance(ctx, alice["id"]), 3000, "given back once")
    # paid, then refunded: given back too (the order's earned points are taken back as before)
    o = ctx.expect(place(ctx, alice, body(item_id, points=1000)), 201, what="order")
    eq((o["points_used"], o["total_fen"]), (1000, 9000), "1000 points")
    pay_and_notify(ctx, alice, o["id"])
    earned = int(ctx.sql_value("SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE order_id = %d "
                               "AND reason = 'order_paid'" % o["id"]))
    eq(balance(ctx, alice["id"]), 2000 + earned, "spent, then earned by paying")
    ctx.expect(ctx.post("%s/orders/%d/refund" % (A, o["id"]), {"reason": "测试"}, token=tok), 200, what="refund")
    eq(balance(ctx, alice["id"]), 3000, "refund: the spent points back, the earned ones taken")
    eq(ctx.sql_value("SELECT COUNT(*) FROM points_ledger WHERE order_id = %d AND reason = 'points_cash_returned'"
                     % o["id"]), "1", "one return row")


def test_twenty_orders_at_once_spend_one_balance_once(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=50)
    create(ctx, campaign_id, {"kind": "points_cash", "title": "积分抵现", "config": {
        "points_per_yuan": 100, "max_percent": 20}})
    alice = shopper(ctx)
    ctx.sql("UPDATE shopper SET points_balance = 1000 WHERE id = %d" % alice["id"])

    def attempt():
        r = place(ctx, alice, body(item_id, points=500), timeout=60)
        return (r.status, r.error_code, r.json.get("points_used") if r.status == 201 else None)

    results = ctx.concurrently([attempt] * 20, what="20 orders, points for 2")
    for status, code, _ in results:
        check(status == 201 or (status, code) == (409, "insufficient_points"), "unexpected %s %s" % (status, code))
    eq(sorted(r[2] for r in results if r[0] == 201), [500, 500], "two orders spent 500 each")
    eq(balance(ctx, alice["id"]), 0, "never below zero")
    eq(ctx.sql_value("SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE user_id = %d AND reason = 'points_cash'"
                     % alice["id"]), "-1000", "the ledger agrees")
