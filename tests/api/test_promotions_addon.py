"""The addon kind (加价购, issue 14) end to end: the admin's config refused
naming the field, `addon_offers` in the quote once the rest of the order
reaches the threshold, `addons` in the quote and the order at the offer's
price (their stock reserved like any line), 422 promotion_not_applicable
when an add-on does not apply."""

from kanjia import check, eq
from test_orders import ADDRESS, make_item, place, shopper, stock
from test_promotions import A, admin, create

ORDER = 74


def test_addon_end_to_end(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=20)
    _, extra = make_item(ctx, price=5000, stock=5, campaign_id=campaign_id)
    _, foreign = make_item(ctx)
    tok = admin(ctx)
    for config, field in [({"threshold_fen": 100, "offers": []}, "config.offers"),
                          ({"threshold_fen": 100, "offers": [{"item_id": foreign, "price_fen": 1}]},
                           "config.offers.item_id"),
                          ({"threshold_fen": 100, "offers": [{"item_id": extra, "price_fen": 1, "max_qty": 0}]},
                           "config.offers.max_qty")]:
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                     {"kind": "addon", "title": "加价购", "config": config}, token=tok)
        check(field in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "names " + field)
    p = create(ctx, campaign_id, {"kind": "addon", "title": "满200加9.9元换购", "config": {
        "threshold_fen": 20000, "offers": [{"item_id": extra, "price_fen": 990, "max_qty": 2}]}})
    alice = shopper(ctx)

    def quote(lines, addons=None, expect=200, code=None):
        b = {"lines": lines}
        if addons is not None:
            b["addons"] = addons
        return ctx.expect(ctx.post("/api/v1/cart/quote", b, token=alice["token"], ip=alice["ip"]), expect, code)

    one = [{"item_id": item_id, "qty": 1}]
    two = [{"item_id": item_id, "qty": 2}]
    eq(quote(one)["addon_offers"], [], "below the threshold: no offer")
    eq(quote(two)["addon_offers"], [{"promotion_id": p["id"], "item_id": extra, "price_fen": 990, "max_qty": 2}],
       "the offer")
    quote(one, [{"item_id": extra, "qty": 1}], 422, "promotion_not_applicable")
    quote(two, [{"item_id": extra, "qty": 3}], 422, "promotion_not_applicable")
    quote(two, [{"item_id": foreign, "qty": 1}], 422, "mixed_campaigns")
    quote(two, [{"item_id": item_id, "qty": 1}], 400, "invalid_field")
    q = quote(two, [{"item_id": extra, "qty": 2}])
    eq((q["subtotal_fen"], q["total_fen"]), (30000, 20000 + 1980), "two at 9.90")
    eq([(d["kind"], d["promotion_id"], d["amount_fen"]) for d in q["discounts"]],
       [("addon", p["id"], 8020)], "the line")
    left = stock(ctx, extra)[1]
    o = ctx.expect(place(ctx, alice, {"lines": two, "addons": [{"item_id": extra, "qty": 2}],
                                      "address": dict(ADDRESS)}), 201, what="order")
    eq((o["total_fen"], sorted((l["item_id"], l["qty"]) for l in o["lines"])),
       (21980, sorted([(item_id, 2), (extra, 2)])), "the add-on is a line of the order")
    eq(stock(ctx, extra)[1], left - 2, "its stock reserved")
    ctx.expect(place(ctx, alice, {"lines": one, "addons": [{"item_id": extra, "qty": 1}],
                                  "address": dict(ADDRESS)}), 422, "promotion_not_applicable")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 200, what="cancel")
    eq(stock(ctx, extra)[1], left, "its stock back")
