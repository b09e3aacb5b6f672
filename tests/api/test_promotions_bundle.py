"""The bundle kind (组合套餐, issue 14) end to end: the admin's config
refused naming the field, every whole set at its price in the quote and
the order, what is left over at its price, a cancel giving the use back."""

from kanjia import check, eq
from test_orders import ADDRESS, make_item, place, shopper
from test_promotions import A, admin, create

ORDER = 73


def test_bundle_configs_are_refused_naming_the_field(ctx):
    campaign_id, item_id = make_item(ctx, price=10000)
    _, foreign = make_item(ctx)
    tok = admin(ctx)
    bad = [
        ({"items": [{"item_id": item_id, "qty": 1}], "price_fen": 100}, "config.items"),
        ({"items": [{"item_id": item_id, "qty": 0}, {"item_id": foreign, "qty": 1}], "price_fen": 1},
         "config.items.qty"),
        ({"items": [{"item_id": item_id, "qty": 2}]}, "config.price_fen"),
        ({"items": [{"item_id": foreign, "qty": 2}], "price_fen": 100}, "config.items.item_id"),
    ]
    for config, field in bad:
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                     {"kind": "bundle", "title": "套餐", "config": config}, token=tok)
        check(field in ctx.expect(r, 422, "invalid_promotion", what=field)["error"]["message"], "names " + field)


def test_a_bundle_end_to_end(ctx):
    campaign_id, phone = make_item(ctx, price=100000, floor=50000, stock=20)
    _, case = make_item(ctx, price=5000, floor=1000, campaign_id=campaign_id)
    p = create(ctx, campaign_id, {"kind": "bundle", "title": "手机+两个壳", "config": {
        "items": [{"item_id": phone, "qty": 1}, {"item_id": case, "qty": 2}], "price_fen": 99900}})
    alice = shopper(ctx)
    lines = [{"item_id": phone, "qty": 2}, {"item_id": case, "qty": 3}]
    q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": lines}, token=alice["token"], ip=alice["ip"]), 200)
    # one whole set (1 phone + 2 cases at 999), one phone and one case at their price
    eq(q["subtotal_fen"], 215000, "subtotal")
    eq(q["total_fen"], 99900 + 100000 + 5000, "one set at its price")
    eq([(d["kind"], d["promotion_id"], d["amount_fen"], d["label"]) for d in q["discounts"]],
       [("bundle", p["id"], 10100, "组合套餐：手机+两个壳")], "the bundle's line")
    o = ctx.expect(place(ctx, alice, {"lines": lines, "address": dict(ADDRESS)}), 201, what="order")
    eq((o["total_fen"], o["discounts"][0]["amount_fen"]), (q["total_fen"], 10100), "the order as its quote")
    used = ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=admin(ctx)), 200)["used"]
    eq(used, {"count": 1, "subsidy_fen": 10100}, "used")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 200, what="cancel")
    used = ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=admin(ctx)), 200)["used"]
    eq(used, {"count": 0, "subsidy_fen": 0}, "given back")
    # without the whole set, nothing
    q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": phone, "qty": 1}, {"item_id": case, "qty": 1}]},
                            token=alice["token"], ip=alice["ip"]), 200)
    eq((q["total_fen"], q["discounts"]), (105000, []), "no whole set")
