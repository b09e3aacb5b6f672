"""Member levels and the member_price kind (会员折扣, issue 14) end to end:
GET/PUT /api/v1/admin/member-levels (roles, 422 naming the field, audited),
a shopper's level from paid spend in GET /api/v1/me, the member price in
the quote and the order, and the levels put back as they were."""

from kanjia import check, eq
from test_orders import body, make_item, pay_and_notify, place, shopper
from test_promotions import A, admin, create

ORDER = 74

LEVELS = "%s/member-levels" % A


def put_levels(ctx, levels, token=None, expect=200, code=None):
    r = ctx.request("PUT", LEVELS, json_body={"levels": levels}, token=token or admin(ctx))
    return ctx.expect(r, expect, code, what="put levels")


def test_member_levels_and_the_member_price(ctx):
    before = ctx.expect(ctx.get(LEVELS, token=admin(ctx, "fulfilment")), 200, what="levels (any role)")
    try:
        alice = shopper(ctx)
        ctx.expect(ctx.get(LEVELS, token=alice["token"]), 401, "unauthorized")
        ctx.expect(ctx.request("PUT", LEVELS, json_body={"levels": []}, token=admin(ctx, "fulfilment")),
                   403, "forbidden")
        bad = [
            ([{"level": 0, "name": "银卡", "min_paid_fen": 0}], "levels.level"),
            ([{"level": 1, "name": "", "min_paid_fen": 0}], "levels.name"),
            ([{"level": 1, "name": "银卡", "min_paid_fen": -1}], "levels.min_paid_fen"),
            ([{"level": 1, "name": "银卡", "min_paid_fen": 0}, {"level": 1, "name": "金卡", "min_paid_fen": 5}],
             "levels.level"),
            ([{"level": 1, "name": "银卡", "min_paid_fen": 100}, {"level": 2, "name": "金卡", "min_paid_fen": 100}],
             "levels.min_paid_fen"),
            ([{"level": 1, "name": "银卡"}], "levels"),
        ]
        for levels, field in bad:
            j = put_levels(ctx, levels, expect=422, code="invalid_field")
            check(field in j["error"]["message"], "names %s: %s" % (field, j["error"]["message"]))
        got = put_levels(ctx, [{"level": 2, "name": "金卡", "min_paid_fen": 10000},
                               {"level": 1, "name": "银卡", "min_paid_fen": 0}])
        eq(got, {"levels": [{"level": 1, "name": "银卡", "min_paid_fen": 0},
                            {"level": 2, "name": "金卡", "min_paid_fen": 10000}]}, "sorted by level")
        eq(ctx.expect(ctx.get(LEVELS, token=admin(ctx)), 200), got, "read back")
        check(int(ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'member_levels.update'")) >= 1,
              "audited")
        me = ctx.expect(ctx.get("/api/v1/me", token=alice["token"]), 200, what="me")
        eq((me["member_level"], me["member_level_name"]), (1, "银卡"), "level 1 from no spend")

        campaign_id, item_id = make_item(ctx, price=10000, stock=20)
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                     {"kind": "member_price", "title": "会员", "config": {"levels": [{"level": 1, "percent": 100}]}},
                     token=admin(ctx))
        check("config.levels.percent" in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "names it")
        p = create(ctx, campaign_id, {"kind": "member_price", "title": "金卡九折", "config": {
            "levels": [{"level": 1, "percent": 98}, {"level": 2, "percent": 90}]}})
        q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}]},
                                token=alice["token"], ip=alice["ip"]), 200)
        eq((q["total_fen"], [(d["kind"], d["promotion_id"], d["label"]) for d in q["discounts"]]),
           (9800, [("member_price", p["id"], "会员价：金卡九折")]), "silver: 98%")
        first = ctx.expect(place(ctx, alice, body(item_id)), 201, what="order")
        eq(first["total_fen"], 9800, "ordered at the member price")
        pay_and_notify(ctx, alice, first["id"])
        me = ctx.expect(ctx.get("/api/v1/me", token=alice["token"]), 200, what="me")
        eq((me["member_level"], me["member_level_name"]), (1, "银卡"), "98 paid: still silver")
        second = ctx.expect(place(ctx, alice, body(item_id, qty=1)), 201, what="order")
        pay_and_notify(ctx, alice, second["id"])
        me = ctx.expect(ctx.get("/api/v1/me", token=alice["token"]), 200, what="me")
        eq((me["member_level"], me["member_level_name"]), (2, "金卡"), "196 paid: gold")
        eq(ctx.expect(place(ctx, alice, body(item_id)), 201, what="order")["total_fen"], 9000, "gold: 90%")
        # no levels: nobody has one, the member price serves nobody
        put_levels(ctx, [])
        me = ctx.expect(ctx.get("/api/v1/me", token=alice["token"]), 200, what="me")
        eq((me["member_level"], me["member_level_name"]), (0, None), "no level")
        q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}]},
                                token=alice["token"], ip=alice["ip"]), 200)
        eq(q["total_fen"], 10000, "no member price without a level")
    finally:
        put_levels(ctx, before["levels"])
