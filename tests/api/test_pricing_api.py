"""The pricing engine over HTTP: quotes and orders with full-reduction tiers,
coupons (minimum spend, validity, scope, stacking, the per-customer limit),
the checkout floor, and admin stock adjustments beside reserved stock.
Exact totals; the boundaries are spends exactly at a tier or a minimum.
The engine's own table is tests/unit/test_pricing.c."""

from kanjia import check, eq
from test_campaigns import admin_token
from test_orders import (body, check_stock, make_coupon, make_item, place, shopper, stock)

ORDER = 71


def tiers(ctx, campaign_id, *pairs):
    for min_spend, off in pairs:
        ctx.sql("INSERT INTO full_reduction_tier (campaign_id, min_spend_fen, off_fen) VALUES (%d, %d, %d)"
                % (campaign_id, min_spend, off))


def checkout_rules(ctx, campaign_id, stackable=0, per_customer=None):
    ctx.sql("INSERT INTO campaign_checkout (campaign_id, coupons_stackable, coupon_uses_per_customer) "
            "VALUES (%d, %d, %s)" % (campaign_id, stackable, "NULL" if per_customer is None else per_customer))


def quote(ctx, who, item_id, qty=1, expect=200, code=None, **extra):
    b = {"lines": [{"item_id": item_id, "qty": qty}]}
    b.update(extra)
    r = ctx.post("/api/v1/cart/quote", b, token=who["token"], ip=who["ip"])
    return ctx.expect(r, expect, code, what="quote")


def summary(q):
    return q["subtotal_fen"], [(d["kind"], d["amount_fen"]) for d in q["discounts"]], q["total_fen"]


def test_full_reduction_best_tier_at_the_boundaries(ctx):
    campaign_id, item_id = make_item(ctx, price=2500, stock=20)
    tiers(ctx, campaign_id, (3000, 500), (10000, 1000), (20000, 1800))
    alice = shopper(ctx)
    eq(summary(quote(ctx, alice, item_id, 1)), (2500, [], 2500), "below every tier")
    q = quote(ctx, alice, item_id, 2)
    eq(summary(q), (5000, [("full_reduction", 500)], 4500), "over the first tier")
    eq(q["discounts"][0]["label"], "满30元减5元", "the label says the tier")
    eq(summary(quote(ctx, alice, item_id, 4)), (10000, [("full_reduction", 1000)], 9000), "exactly at the second")
    eq(summary(quote(ctx, alice, item_id, 7)), (17500, [("full_reduction", 1000)], 16500), "between the second and third")
    eq(summary(quote(ctx, alice, item_id, 8)), (20000, [("full_reduction", 1800)], 18200), "exactly at the third")
    eq(q["gifts"], [], "no gifts")
    eq(stock(ctx, item_id), [20, 20, 0, 0], "a quote reserves nothing")
    # the order charges what the quote said and keeps every line
    j = ctx.expect(place(ctx, alice, body(item_id, qty=4)), 201, what="order")
    eq((j["subtotal_fen"], j["discount_fen"], j["total_fen"]), (10000, 1000, 9000), "order totals")
    eq([(d["kind"], d["label"], d["amount_fen"]) for d in j["discounts"]], [("full_reduction", "满100元减10元", 1000)],
       "order discount lines")
    eq(ctx.sql("SELECT seq, kind, label, amount_fen FROM order_discount WHERE order_id = %d" % j["id"]),
       [["1", "full_reduction", "满100元减10元", "1000"]], "stored discount rows")
    check_stock(ctx, item_id, 20)


def test_coupon_rules(ctx):
    campaign_id, item_id = make_item(ctx, price=5000, stock=20)
    _, other_item = make_item(ctx, price=5000, campaign_id=campaign_id)
    alice, bob = shopper(ctx), shopper(ctx)
    at_min = make_coupon(ctx, alice["id"], amount=1500, min_spend=10000)
    expired = make_coupon(ctx, alice["id"], amount=500, expires_in=-1)
    future = make_coupon(ctx, alice["id"], amount=500, starts_in=3600)
    scoped = make_coupon(ctx, alice["id"], amount=700, item_id=other_item)
    bobs = make_coupon(ctx, bob["id"], amount=500)
    plain = make_coupon(ctx, alice["id"], amount=300)
    # minimum spend: one fen short, exactly
    quote(ctx, alice, item_id, 1, 422, "coupon_not_applicable", coupon_ids=[at_min])
    eq(summary(quote(ctx, alice, item_id, 2, coupon_ids=[at_min])), (10000, [("coupon", 1500)], 8500),
       "a coupon at exactly its minimum")
    for refused, why in ((expired, "expired"), (future, "not started"), (bobs, "someone else's"),
                         (scoped, "another item's"), (999999999, "unknown")):
        r = ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 2}], "coupon_ids": [refused]},
                     token=alice["token"])
        ctx.expect(r, 422, "coupon_not_applicable", what="a coupon that is " + why)
        check(str(refused) in r.json["error"]["message"], "the message names the coupon")
    # scope: the item's coupon with its item, taking from that item only
    two_items = {"lines": [{"item_id": item_id, "qty": 1}, {"item_id": other_item, "qty": 1}], "coupon_ids": [scoped]}
    q = ctx.expect(ctx.post("/api/v1/cart/quote", two_items, token=alice["token"]), 200, what="scoped coupon")
    eq(summary(q), (10000, [("coupon", 700)], 9300), "scoped coupon applied")
    # one per order unless the campaign says stackable
    quote(ctx, alice, item_id, 2, 422, "coupon_not_applicable", coupon_ids=[at_min, plain])
    quote(ctx, alice, item_id, 2, 422, "coupon_not_applicable", coupon_ids=[plain, plain])
    checkout_rules(ctx, campaign_id, stackable=1)
    eq(summary(quote(ctx, alice, item_id, 2, coupon_ids=[at_min, plain])),
       (10000, [("coupon", 1500), ("coupon", 300)], 8200), "two coupons when stackable")
    j = ctx.expect(place(ctx, alice, body(item_id, qty=2, coupon_ids=[at_min, plain])), 201, what="order with two")
    eq(j["total_fen"], 8200, "order total")
    eq(sorted(d.get("coupon_id") for d in j["discounts"]), sorted([at_min, plain]), "both coupons on the order")
    eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE order_id = %d AND status = 'used'" % j["id"]), "2",
       "both used by the order")
    # used coupons are refused afterwards
    quote(ctx, alice, item_id, 2, 422, "coupon_not_applicable", coupon_ids=[plain])
    check_stock(ctx, item_id, 20)


def test_per_customer_coupon_limit(ctx):
    campaign_id, item_id = make_item(ctx, price=5000, stock=20)
    checkout_rules(ctx, campaign_id, per_customer=1)
    alice = shopper(ctx)
    first, second = make_coupon(ctx, alice["id"], amount=500), make_coupon(ctx, alice["id"], amount=600)
    j = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[first])), 201, what="first coupon order")
    eq(j["total_fen"], 4500, "first total")
    r = place(ctx, alice, body(item_id, coupon_ids=[second]))
    ctx.expect(r, 422, "coupon_not_applicable", what="a second coupon in the campaign")
    # without a coupon the shopper still orders
    ctx.expect(place(ctx, alice, body(item_id)), 201, what="order without a coupon")
    # cancelling the first gives its use back
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"]), 200, what="cancel")
    j2 = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[second])), 201, what="second coupon after cancel")
    eq(j2["total_fen"], 4400, "second total")
    check_stock(ctx, item_id, 20)


def test_checkout_floor(ctx):
    campaign_id, item_id = make_item(ctx, price=5000, stock=20, checkout_floor=4000)
    tiers(ctx, campaign_id, (5000, 800))
    alice = shopper(ctx)
    big = make_coupon(ctx, alice["id"], amount=3000)
    eq(summary(quote(ctx, alice, item_id, 1, coupon_ids=[big])),
       (5000, [("full_reduction", 800), ("coupon", 200)], 4000), "stopped at the floor")
    eq(summary(quote(ctx, alice, item_id, 3, coupon_ids=[big])),
       (15000, [("full_reduction", 800), ("coupon", 2200)], 12000), "the floor counts every unit")
    ctx.sql("UPDATE full_reduction_tier SET off_fen = 1000 WHERE campaign_id = %d" % campaign_id)
    quote(ctx, alice, item_id, 1, 422, "coupon_not_applicable", coupon_ids=[big])  # nothing left to take off
    eq(summary(quote(ctx, alice, item_id, 1)), (5000, [("full_reduction", 1000)], 4000), "the tier alone")


def test_bargain_price_then_tiers_and_coupon(ctx):
    from test_orders import make_succeeded_bargain
    campaign_id, item_id = make_item(ctx, price=50000, floor=30000, stock=5)
    tiers(ctx, campaign_id, (30000, 2000), (40000, 5000))
    alice = shopper(ctx)
    b_id = make_succeeded_bargain(ctx, alice["id"], item_id)
    coupon = make_coupon(ctx, alice["id"], amount=1000, min_spend=30000)
    q = quote(ctx, alice, item_id, 1, bargain_id=b_id, coupon_ids=[coupon])
    # the tiers and the coupon's minimum see the bargain price (300 yuan), not 500
    eq(summary(q), (50000, [("bargain", 20000), ("full_reduction", 2000), ("coupon", 1000)], 27000), "stacked")
    j = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id, coupon_ids=[coupon])), 201, what="order")
    eq(summary(j), summary(q), "the order is what the quote said")
    eq(ctx.sql("SELECT kind, amount_fen FROM order_discount WHERE order_id = %d ORDER BY seq" % j["id"]),
       [["bargain", "20000"], ["full_reduction", "2000"], ["coupon", "1000"]], "every line stored, in order")


def test_stock_delta_never_takes_reserved_stock(ctx):
    _, item_id = make_item(ctx, price=1000, stock=5)
    alice = shopper(ctx)
    ctx.expect(place(ctx, alice, body(item_id, qty=3)), 201, what="order of 3")
    eq(stock(ctx, item_id), [5, 2, 3, 0], "3 reserved")
    token = admin_token(ctx, "operator")
    r = ctx.request("PATCH", "/api/v1/admin/items/%d" % item_id, json_body={"stock_delta": -3}, token=token)
    ctx.expect(r, 409, "insufficient_stock", what="taking reserved stock")
    eq(stock(ctx, item_id), [5, 2, 3, 0], "unchanged")
    r = ctx.request("PATCH", "/api/v1/admin/items/%d" % item_id, json_body={"stock_delta": -2}, token=token)
    ctx.expect(r, 200, what="taking what is left")
    eq(stock(ctx, item_id), [3, 0, 3, 0], "left 0, reserved kept")
    ctx.expect(place(ctx, alice, body(item_id)), 409, "out_of_stock")
    r = ctx.request("PATCH", "/api/v1/admin/items/%d" % item_id, json_body={"stock_delta": 4}, token=token)
    ctx.expect(r, 200, what="adding stock")
    check_stock(ctx, item_id, 7)
