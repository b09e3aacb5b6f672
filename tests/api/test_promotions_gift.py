"""The gift kind (满就送 / 买就赠, issue 14) end to end: the admin's config
refused naming the field, the quote's and the order's `gifts`, a gift out
of stock simply not given, the stock given back once on cancel, timeout
and refund, and 200 orders at once against one gift stock, checked to the
unit."""

from kanjia import check, eq
from test_orders import ADDRESS, body, make_item, new_key, pay_and_notify, place, shopper, shoppers
from test_promotions import A, admin, create

ORDER = 73


def gift_promotion(name="鼠标垫", stock=10, threshold=0, item_ids=None, **extra):
    gift = {"name": name, "stock": stock, "threshold_fen": threshold, "item_ids": item_ids}
    b = {"kind": "gift", "title": "满就送", "config": {"gifts": [gift]}}
    b.update(extra)
    return b


def given(ctx, promotion_id, index=0):
    v = ctx.sql_value("SELECT given FROM promotion_gift WHERE promotion_id = %d AND gift_index = %d"
                      % (promotion_id, index))
    return int(v) if v is not None else 0


def quote(ctx, who, lines, **extra):
    b = {"lines": lines}
    b.update(extra)
    return ctx.expect(ctx.post("/api/v1/cart/quote", b, token=who["token"], ip=who["ip"]), 200, what="quote")


def test_gift_configs_are_refused_naming_the_field(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=10)
    _, foreign = make_item(ctx)
    tok = admin(ctx)
    bad = [
        ({"gifts": []}, "config.gifts"),
        ({"gifts": [{"name": "", "stock": 1}]}, "config.gifts.name"),
        ({"gifts": [{"name": "杯子", "stock": -1}]}, "config.gifts.stock"),
        ({"gifts": [{"name": "杯子", "stock": 1, "threshold_fen": -5}]}, "config.gifts.threshold_fen"),
        ({"gifts": [{"name": "杯子", "stock": 1, "item_ids": [foreign]}]}, "config.gifts.item_ids"),
    ]
    for config, field in bad:
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                     {"kind": "gift", "title": "送", "config": config}, token=tok)
        check(field in ctx.expect(r, 422, "invalid_promotion", what=field)["error"]["message"], "names " + field)
    eq(ctx.sql_value("SELECT COUNT(*) FROM promotion WHERE campaign_id = %d" % campaign_id), "0", "nothing written")


def test_gifts_end_to_end_and_given_back_once(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=20)
    _, other = make_item(ctx, price=5000, campaign_id=campaign_id)
    base = create(ctx, campaign_id, gift_promotion("鼠标垫", stock=2))
    tier = create(ctx, campaign_id, {"kind": "gift", "title": "满300送耳机", "config": {"gifts": [
        {"name": "耳机", "stock": 5, "threshold_fen": 30000, "item_ids": [item_id]}]}})
    alice = shopper(ctx)
    lines = [{"item_id": item_id, "qty": 2}, {"item_id": other, "qty": 2}]
    q = quote(ctx, alice, lines)
    eq(q["gifts"], [{"promotion_id": base["id"], "name": "鼠标垫"}], "300 in all, 200 of the tier's item: the base")
    eq((q["total_fen"], q["discounts"]), (30000, []), "a gift takes nothing off")
    lines3 = [{"item_id": item_id, "qty": 3}]
    eq(quote(ctx, alice, lines3)["gifts"], [{"promotion_id": base["id"], "name": "鼠标垫"},
                                            {"promotion_id": tier["id"], "name": "耳机"}], "both at 300")
    first = ctx.expect(place(ctx, alice, dict(lines=lines3, address=dict(ADDRESS))), 201, what="order")
    eq(first["gifts"], [{"promotion_id": base["id"], "name": "鼠标垫"},
                        {"promotion_id": tier["id"], "name": "耳机"}], "the order's gifts")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % first["id"], token=alice["token"]), 200, what="read")
    eq(got["gifts"], first["gifts"], "stored with the order")
    eq((given(ctx, base["id"]), given(ctx, tier["id"])), (1, 1), "one of each taken")
    p = ctx.expect(ctx.get("%s/promotions/%d" % (A, base["id"]), token=admin(ctx)), 200, what="used")
    eq(p["used"]["count"], 1, "the order uses the gift promotion")
    # the last mouse pad, then none: the quote and the order simply do without
    second = ctx.expect(place(ctx, alice, body(item_id)), 201, what="second")
    eq([g["name"] for g in second["gifts"]], ["鼠标垫"], "the last one")
    eq(given(ctx, base["id"]), 2, "stock used up")
    eq(quote(ctx, alice, [{"item_id": item_id, "qty": 1}])["gifts"], [], "none in stock: not offered")
    third = ctx.expect(place(ctx, alice, body(item_id)), 201, what="third")
    eq(third["gifts"], [], "out of stock is not an error")
    # cancel gives it back, once
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % second["id"], token=alice["token"]), 200, what="cancel")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % second["id"], token=alice["token"]), 409, "invalid_state")
    eq(given(ctx, base["id"]), 1, "one back")
    eq(ctx.sql_value("SELECT returned FROM order_gift WHERE order_id = %d" % second["id"]), "1", "marked returned")
    eq(ctx.expect(ctx.get("/api/v1/orders/%d" % second["id"], token=alice["token"]), 200, what="read")["gifts"],
       second["gifts"], "the cancelled order still says what it had")
    # a refund gives the paid order's gifts back
    pay_and_notify(ctx, alice, first["id"])
    # fulfilment sees what to ship besides the lines
    listed = ctx.expect(ctx.get("%s/orders?campaign_id=%d" % (A, campaign_id), token=admin(ctx, "fulfilment")),
                        200, what="console orders")
    eq({o["id"]: o["gifts"] for o in listed["items"]}[first["id"]], first["gifts"], "the console lists the gifts")
    r = ctx.post("%s/orders/%d/refund" % (A, first["id"]), {"reason": "测试"}, token=admin(ctx))
    eq(ctx.expect(r, 200, what="refund")["gifts"], first["gifts"], "the refund's answer names them")
    eq((given(ctx, base["id"]), given(ctx, tier["id"])), (0, 0), "refund gave both back")
    ctx.expect(ctx.post("%s/orders/%d/refund" % (A, first["id"]), {"reason": "again"}, token=admin(ctx)),
               409, "invalid_state")
    eq((given(ctx, base["id"]), given(ctx, tier["id"])), (0, 0), "and only once")
    # the admin raises the stock: given again
    ctx.expect(ctx.request("PATCH", "%s/promotions/%d" % (A, base["id"]), token=admin(ctx),
                           json_body={"config": {"gifts": [{"name": "鼠标垫", "stock": 3}]}}), 200, what="patch")
    eq(len(quote(ctx, alice, [{"item_id": item_id, "qty": 1}])["gifts"]), 1, "in stock again")


def test_a_timed_out_order_gives_its_gift_back(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=5)
    p = create(ctx, campaign_id, gift_promotion("杯子", stock=1))
    alice = shopper(ctx)
    o = ctx.expect(place(ctx, alice, body(item_id)), 201, what="order")
    eq(len(o["gifts"]), 1, "given")
    ctx.sql("UPDATE orders SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = %d" % o["id"])
    from test_orders import wait_for
    wait_for(ctx, "SELECT status FROM orders WHERE id = %d" % o["id"], "cancelled", "the sweeper cancels it")
    eq(given(ctx, p["id"]), 0, "the gift went back with the timeout")


def test_two_hundred_orders_race_for_fifty_gifts(ctx):
    campaign_id, item_id = make_item(ctx, price=9900, stock=400)
    p = create(ctx, campaign_id, gift_promotion("限量公仔", stock=50))
    people = shoppers(ctx, 200)

    def attempt(who):
        r = place(ctx, who, body(item_id), timeout=120)
        return (r.status, r.error_code, r.json.get("id") if r.status == 201 else None,
                [g["name"] for g in r.json.get("gifts", [])] if r.status == 201 else None)

    results = ctx.concurrently([(lambda who=who: attempt(who)) for who in people], what="200 orders, 50 gifts")
    created = [r for r in results if r[0] == 201]
    eq(len(created), 200, "every order placed (a gift gone is never an error): %s"
       % [r[:2] for r in results if r[0] != 201][:5])
    with_gift = [r for r in created if r[3] == ["限量公仔"]]
    eq(len(with_gift), 50, "exactly the stock given")
    eq(given(ctx, p["id"]), 50, "the counter at the stock")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_gift WHERE promotion_id = %d" % p["id"]), "50", "50 order_gift rows")
    # cancel ten of them: exactly ten back, and ten more orders get one
    for r in with_gift[:10]:
        who = people[[x[2] for x in results].index(r[2])]
        ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % r[2], token=who["token"]), 200, what="cancel")
    eq(given(ctx, p["id"]), 40, "ten given back")
    more = ctx.concurrently([(lambda who=who: attempt(who)) for who in people[:30]], what="30 more orders")
    eq(sum(1 for r in more if r[0] == 201 and r[3] == ["限量公仔"]), 10, "the ten given again, no more")
    eq(given(ctx, p["id"]), 50, "at the stock again")
