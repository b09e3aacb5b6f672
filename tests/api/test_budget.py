"""A campaign's subsidy budget and exclusive pairs (issue 14, API.md
"Promotions (admin)") over HTTP: refusals first, then the budget charged
by every order's discounts and given back exactly once on cancel and
refund, a discount it cannot cover left out (the quote says
budget_limited and why), 409 budget_exhausted only for a coupon asked by
id, exclusive pairs choosing the lower total, and 200 orders racing for one
budget, checked to the fen."""

from kanjia import check, eq
from test_orders import body, make_coupon, make_item, pay_and_notify, place, shopper, shoppers
from test_promotions import admin, create

ORDER = 76
TIMEOUT_S = 400

A = "/api/v1/admin"


def patch_campaign(ctx, campaign_id, changes, expect=200, code=None):
    # make_item's items have no rewards ('{}'); the console's view lists them whole
    ctx.sql("UPDATE campaign_item SET rewards_json = '{\"initiator\": [], \"helper\": null, \"leaderboard\": []}' "
            "WHERE campaign_id = %d AND rewards_json = '{}'" % campaign_id)
    r = ctx.request("PATCH", "%s/campaigns/%d" % (A, campaign_id), json_body=changes, token=admin(ctx))
    return ctx.expect(r, expect, code, what="patch campaign")


def reduction(ctx, campaign_id, threshold=10000, off=3000):
    return create(ctx, campaign_id, {"kind": "full_reduction", "title": "满100减30", "config": {
        "tiers": [{"threshold_fen": threshold, "off_fen": off}]}})


def quote(ctx, who, lines, **extra):
    b = {"lines": lines}
    b.update(extra)
    return ctx.post("/api/v1/cart/quote", b, token=who["token"], ip=who["ip"])


def spent(ctx, campaign_id):
    return int(ctx.sql_value("SELECT subsidy_spent_fen FROM campaign_budget WHERE campaign_id = %d" % campaign_id))


def test_budget_refusals_and_the_campaign_fields(ctx):
    campaign_id, _ = make_item(ctx, price=20000, stock=10)
    for changes, status, code in [({"subsidy_budget_fen": -1}, 400, None),
                                  ({"subsidy_budget_fen": "100"}, 400, None),
                                  ({"exclusive": [["coupon", "coupon"]]}, 422, "invalid_campaign"),
                                  ({"exclusive": [["coupon", "nonsense"]]}, 422, "invalid_campaign"),
                                  ({"exclusive": [["coupon"]]}, 422, "invalid_campaign"),
                                  ({"exclusive": "coupon"}, 400, None)]:
        patch_campaign(ctx, campaign_id, changes, status, code)
    got = ctx.expect(ctx.get("%s/campaigns/%d" % (A, campaign_id), token=admin(ctx)), 200, what="get")
    eq((got["subsidy_budget_fen"], got["subsidy_spent_fen"], got["exclusive"]), (None, 0, []), "nothing set")
    after = patch_campaign(ctx, campaign_id, {"subsidy_budget_fen": 10000, "exclusive": [["coupon", "member_price"]]})
    eq((after["subsidy_budget_fen"], after["subsidy_spent_fen"], after["exclusive"]),
       (10000, 0, [["coupon", "member_price"]]), "patched")
    got = ctx.expect(ctx.get("%s/campaigns/%d" % (A, campaign_id), token=admin(ctx, "fulfilment")), 200)
    eq(got["subsidy_budget_fen"], 10000, "read back")
    after = patch_campaign(ctx, campaign_id, {"subsidy_budget_fen": None})
    eq((after["subsidy_budget_fen"], after["exclusive"]), (None, [["coupon", "member_price"]]), "unlimited again")


def test_the_budget_is_charged_and_given_back_once(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=20)
    reduction(ctx, campaign_id)
    patch_campaign(ctx, campaign_id, {"subsidy_budget_fen": 10000})
    people = [shopper(ctx) for _ in range(4)]
    orders = [ctx.expect(place(ctx, who, body(item_id)), 201, what="order") for who in people[:3]]
    eq([o["total_fen"] for o in orders], [17000] * 3, "each takes 30 yuan")
    eq(spent(ctx, campaign_id), 9000, "charged")
    q = ctx.expect(quote(ctx, people[3], [{"item_id": item_id, "qty": 1}]), 200, what="quote")
    eq((q["total_fen"], q["discounts"], q["budget_limited"]), (20000, [], True), "the budget cannot cover it")
    eq(q["not_applied"], [{"kind": "full_reduction", "reason": "budget", "amount_fen": 3000}], "and says why")
    fourth = ctx.expect(place(ctx, people[3], body(item_id)), 201, what="the fourth order")
    eq((fourth["total_fen"], fourth["discounts"]), (20000, []), "placed without it")
    # cancel: given back once
    for _ in range(2):
        ctx.post("/api/v1/orders/%d/cancel" % orders[0]["id"], token=people[0]["token"], ip=people[0]["ip"])
    eq(spent(ctx, campaign_id), 6000, "a cancel gives back once")
    q = ctx.expect(quote(ctx, people[3], [{"item_id": item_id, "qty": 1}]), 200, what="quote")
    eq((q["total_fen"], q["budget_limited"], q["not_applied"]), (17000, False, []), "covered again")
    # refund: given back once
    pay_and_notify(ctx, people[1], orders[1]["id"])
    r = ctx.post("%s/orders/%d/refund" % (A, orders[1]["id"]), {}, token=admin(ctx))
    ctx.expect(r, 200, what="refund")
    eq(spent(ctx, campaign_id), 3000, "a refund gives back")
    eq(ctx.sql("SELECT order_id, amount_fen, returned FROM order_subsidy WHERE campaign_id = %d ORDER BY order_id"
               % campaign_id), [[str(orders[0]["id"]), "3000", "1"], [str(orders[1]["id"]), "3000", "1"],
                                [str(orders[2]["id"]), "3000", "0"]], "what each order was charged")
    # a coupon asked for by id that the budget cannot cover: 409
    patch_campaign(ctx, campaign_id, {"subsidy_budget_fen": 3500})
    coupon = make_coupon(ctx, people[3]["id"], amount=1000)
    ctx.expect(quote(ctx, people[3], [{"item_id": item_id, "qty": 1}], coupon_ids=[coupon]), 409, "budget_exhausted")
    ctx.expect(place(ctx, people[3], body(item_id, coupon_ids=[coupon])), 409, "budget_exhausted")
    eq(ctx.sql_value("SELECT status FROM coupon WHERE id = %d" % coupon), "available", "the coupon stays hers")


def test_exclusive_pairs_take_the_lower_total(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=20)
    reduction(ctx, campaign_id)
    alice = shopper(ctx)
    coupon = make_coupon(ctx, alice["id"], amount=5000)
    lines = [{"item_id": item_id, "qty": 1}]
    q = ctx.expect(quote(ctx, alice, lines, coupon_ids=[coupon]), 200, what="both")
    eq(q["total_fen"], 12000, "together")
    patch_campaign(ctx, campaign_id, {"exclusive": [["coupon", "full_reduction"]]})
    q = ctx.expect(quote(ctx, alice, lines, coupon_ids=[coupon]), 200, what="exclusive")
    eq(([d["kind"] for d in q["discounts"]], q["total_fen"]), (["coupon"], 15000), "the coupon saves more")
    eq(q["not_applied"], [{"kind": "full_reduction", "reason": "exclusive", "with": "coupon", "amount_fen": 3000}],
       "and the quote says why")
    j = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[coupon])), 201, what="order")
    eq((j["total_fen"], [d["kind"] for d in j["discounts"]]), (15000, ["coupon"]), "the order as its quote")
    # a coupon worth less than the reduction is left out, and stays hers
    small = make_coupon(ctx, alice["id"], amount=1000)
    j = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[small])), 201, what="order")
    eq((j["total_fen"], [d["kind"] for d in j["discounts"]]), (17000, ["full_reduction"]), "the reduction wins")
    eq(ctx.sql_value("SELECT status FROM coupon WHERE id = %d" % small), "available", "the unused coupon stays hers")


def test_two_hundred_orders_race_for_one_budget(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=300)
    reduction(ctx, campaign_id, threshold=10000, off=2900)
    patch_campaign(ctx, campaign_id, {"subsidy_budget_fen": 30000})
    people = shoppers(ctx, 100)

    def attempt(who):
        r = place(ctx, who, body(item_id), timeout=120)
        return (r.status, r.error_code, r.json.get("id") if r.status == 201 else None,
                r.json.get("discount_fen") if r.status == 201 else None)

    calls = [(lambda who=who: attempt(who)) for who in people for _ in range(2)]
    results = ctx.concurrently(calls, what="200 orders for one budget")
    check(all(r[0] == 201 for r in results), "every order placed: %s" % sorted({(r[0], r[1]) for r in results}))
    discounted = [r for r in results if r[3]]
    eq(len(discounted), 10, "orders the budget covered (10 x 29 = 290 of 300 yuan)")
    eq(sum(r[3] for r in discounted), 29000, "their discounts")
    eq(spent(ctx, campaign_id), 29000, "spent, to the fen")
    eq(ctx.sql_value("SELECT SUM(amount_fen) FROM order_subsidy WHERE campaign_id = %d" % campaign_id), "29000",
       "charged rows")
    eq(ctx.sql_value("SELECT SUM(discount_fen) FROM orders WHERE campaign_id = %d" % campaign_id), "29000",
       "the orders' discounts")
    by_id = {r[2]: r for r in results}
    owners = {}
    for who, r in zip([w for w in people for _ in range(2)], results):
        owners[r[2]] = who
    cancels = [(lambda oid=oid: ctx.post("/api/v1/orders/%d/cancel" % oid, token=owners[oid]["token"],
                                          ip=owners[oid]["ip"])) for oid, r in by_id.items() if r[3]]
    ctx.concurrently(cancels + cancels, what="every discounted order cancelled twice at once")
    eq(spent(ctx, campaign_id), 0, "all given back, once each")
