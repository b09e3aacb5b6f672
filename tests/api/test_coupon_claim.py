"""Coupon templates and share-to-win (issue 14, API.md "Promotions (admin)",
kind `coupon`; "Engagement", POST /api/v1/coupons/{promotion_id}/claim;
kind `share_reward`) over HTTP: refusals first, then a claim end to end
(the wallet, an order using it), the per-shopper and total caps, each under
a 200-way race checked to the unit, and the sharer's coupon earned once
when a friend's order through the link is paid, never from one's own."""

from kanjia import check, eq
from test_orders import ADDRESS, body, make_item, new_key, pay_and_notify, place, shopper, shoppers
from test_promotions import admin, create, iso

ORDER = 74
TIMEOUT_S = 400


def template(campaign_id, title="满100减10", amount=1000, min_spend=10000, total=None, per_user=None, **config):
    conf = {"amount_fen": amount, "min_spend_fen": min_spend, "valid_days": 7}
    conf.update(config)
    return {"kind": "coupon", "title": title, "config": conf, "limits": {"total": total, "per_user": per_user}}


def claim(ctx, who, promotion_id):
    return ctx.post("/api/v1/coupons/%d/claim" % promotion_id, token=who["token"], ip=who["ip"], timeout=60)


def test_claim_refusals(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=10)
    alice = shopper(ctx)
    bad = [
        ({"amount_fen": 0}, "config.amount_fen"),
        ({"amount_fen": 100, "valid_days": 0}, "config.valid_days"),
        ({"amount_fen": 100, "item_ids": [item_id, item_id + 1]}, "config.item_ids"),
        ({"amount_fen": 100, "claimable": "yes"}, "config.claimable"),
    ]
    for config, field in bad:
        r = ctx.post("/api/v1/admin/campaigns/%d/promotions" % campaign_id,
                     {"kind": "coupon", "title": "券", "config": config}, token=admin(ctx))
        ctx.expect(r, 422, "invalid_promotion", what=field)
        check(field in r.json["error"]["message"], "names %s: %s" % (field, r.json["error"]["message"]))
    ctx.expect(ctx.post("/api/v1/coupons/1/claim"), 401, "unauthorized")
    ctx.expect(claim(ctx, alice, 999999999), 404, "not_found")
    timed = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时",
                                      "config": {"items": [{"item_id": item_id, "percent": 50}]}})
    ctx.expect(claim(ctx, alice, timed["id"]), 404, "not_found")  # not a coupon template
    hidden = create(ctx, campaign_id, template(campaign_id, claimable=False))
    ctx.expect(claim(ctx, alice, hidden["id"]), 404, "not_found")  # issued by rewards only
    later = create(ctx, campaign_id, dict(template(campaign_id), starts_at=iso(3600), ends_at=iso(7200)))
    ctx.expect(claim(ctx, alice, later["id"]), 410, "campaign_not_active")
    off = create(ctx, campaign_id, dict(template(campaign_id), enabled=False))
    ctx.expect(claim(ctx, alice, off["id"]), 404, "not_found")
    eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d" % alice["id"]), "0", "nothing issued")


def test_a_claimed_coupon_is_in_the_wallet_and_pays(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=10)
    alice = shopper(ctx)
    t = create(ctx, campaign_id, template(campaign_id, title="耳机券", amount=3000, min_spend=15000,
                                          item_ids=[item_id], per_user=1))
    got = ctx.expect(claim(ctx, alice, t["id"]), 201, what="claim")
    eq((got["title"], got["amount_fen"], got["min_spend_fen"], got["status"]), ("耳机券", 3000, 15000, "available"),
       "the coupon as the template says")
    eq(ctx.sql("SELECT promotion_id, item_id, source, TIMESTAMPDIFF(DAY, starts_at, expires_at) FROM coupon "
               "WHERE id = %d" % got["id"])[0], [str(t["id"]), str(item_id), "claim", "7"],
       "names its template, its item, 7 days")
    ctx.expect(claim(ctx, alice, t["id"]), 409, "limit_reached")
    wallet = ctx.expect(ctx.get("/api/v1/me/coupons", token=alice["token"]), 200, what="wallet")
    eq([c["id"] for c in wallet["items"]], [got["id"]], "in the wallet")
    j = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[got["id"]])), 201, what="order with the coupon")
    eq((j["total_fen"], [d["kind"] for d in j["discounts"]], j["kind"]), (17000, ["coupon"], "normal"),
       "the coupon takes 30 yuan off")


def test_the_issue_cap_holds_under_a_200_way_race(ctx):
    campaign_id, _ = make_item(ctx, price=20000, stock=10)
    t = create(ctx, campaign_id, template(campaign_id, total=37))
    people = shoppers(ctx, 100)
    calls = [(lambda who=who: claim(ctx, who, t["id"])) for who in people for _ in range(2)]
    results = ctx.concurrently(calls, what="200 claims of 37 coupons")
    answers = sorted({(r.status, r.error_code) for r in results})
    check(set(answers) <= {(201, None), (409, "out_of_stock")}, "only issued or out of stock: %s" % answers)
    eq(sum(1 for r in results if r.status == 201), 37, "coupons issued")
    eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE promotion_id = %d" % t["id"]), "37", "coupon rows")
    eq(ctx.sql_value("SELECT used_orders FROM promotion WHERE id = %d" % t["id"]), "37", "the issue counter")
    ctx.expect(claim(ctx, people[0], t["id"]), 409, "out_of_stock")


def test_the_per_shopper_cap_holds_under_a_200_way_race(ctx):
    campaign_id, _ = make_item(ctx, price=20000, stock=10)
    t = create(ctx, campaign_id, template(campaign_id, per_user=3))
    alice, bob = shopper(ctx), shopper(ctx)
    results = ctx.concurrently([lambda: claim(ctx, alice, t["id"])] * 200, what="200 claims by one shopper")
    answers = sorted({(r.status, r.error_code) for r in results})
    check(set(answers) <= {(201, None), (409, "limit_reached")}, "only issued or limit reached: %s" % answers)
    eq(sum(1 for r in results if r.status == 201), 3, "coupons issued to her")
    eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE promotion_id = %d AND user_id = %d" % (t["id"], alice["id"])),
       "3", "her coupon rows")
    eq(ctx.sql_value("SELECT uses FROM promotion_user WHERE promotion_id = %d AND user_id = %d"
                     % (t["id"], alice["id"])), "3", "her counter")
    ctx.expect(claim(ctx, bob, t["id"]), 201, what="another shopper still may")


def share_link(ctx, who, item_id):
    return ctx.expect(ctx.post("/api/v1/shares", {"item_id": item_id}, token=who["token"], ip=who["ip"]), 201,
                      what="share")["code"]


def test_share_reward_pays_the_sharer_once_when_the_friend_pays(ctx):
    campaign_id, item_id = make_item(ctx, price=20000, stock=20)
    t = create(ctx, campaign_id, template(campaign_id, title="分享券", amount=500, min_spend=0, claimable=False))
    r = ctx.post("/api/v1/admin/campaigns/%d/promotions" % campaign_id,
                 {"kind": "share_reward", "title": "分享赢券", "config": {}}, token=admin(ctx))
    ctx.expect(r, 422, "invalid_promotion")
    timed = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时",
                                      "config": {"items": [{"item_id": item_id, "percent": 90}]}})
    other_campaign, _ = make_item(ctx)
    foreign = create(ctx, other_campaign, template(other_campaign))
    for not_a_template in (timed["id"], foreign["id"], 999999999):
        r = ctx.post("/api/v1/admin/campaigns/%d/promotions" % campaign_id,
                     {"kind": "share_reward", "title": "分享赢券", "config": {"coupon_promotion_id": not_a_template}},
                     token=admin(ctx))
        ctx.expect(r, 422, "invalid_promotion", what="not a template of the campaign")
        check("config.coupon_promotion_id" in r.json["error"]["message"], "names the field")
    ctx.request("PATCH", "/api/v1/admin/promotions/%d" % timed["id"], json_body={"enabled": False}, token=admin(ctx))
    create(ctx, campaign_id, {"kind": "share_reward", "title": "分享赢券", "config": {"coupon_promotion_id": t["id"]}})
    alice, bob = shopper(ctx), shopper(ctx)
    code = share_link(ctx, alice, item_id)

    def coupons_of(who):
        return int(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d AND promotion_id = %d"
                                 % (who["id"], t["id"])))

    # the quote takes the code and prices as before; an unknown code is no error
    q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}], "share_code": code},
                            token=bob["token"], ip=bob["ip"]), 200, what="quote")
    eq(q["total_fen"], 20000, "nothing comes off")
    ctx.expect(place(ctx, bob, body(item_id, share_code="NoSuchCode123")), 201, what="unknown code")
    # placed through the link: nothing until it is paid
    j = ctx.expect(place(ctx, bob, body(item_id, share_code=code)), 201, what="order through the link")
    eq(coupons_of(alice), 0, "nothing before payment")
    pay_and_notify(ctx, bob, j["id"])
    eq(coupons_of(alice), 1, "the sharer's coupon once the order is paid")
    eq(coupons_of(bob), 0, "the buyer earns nothing")
    eq(ctx.sql_value("SELECT source FROM coupon WHERE user_id = %d AND promotion_id = %d" % (alice["id"], t["id"])),
       "share_reward", "its source")
    eq(ctx.sql_value("SELECT rewarded FROM order_share WHERE order_id = %d" % j["id"]), "1", "rewarded once")
    # a cancelled order through the link earns nothing
    k = ctx.expect(place(ctx, bob, body(item_id, share_code=code)), 201, what="another order")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % k["id"], token=bob["token"], ip=bob["ip"]), 200, what="cancel")
    eq(coupons_of(alice), 1, "cancelled: nothing more")
    # never from one's own orders
    own = ctx.expect(place(ctx, alice, body(item_id, share_code=code)), 201, what="her own order")
    pay_and_notify(ctx, alice, own["id"])
    eq(coupons_of(alice), 1, "her own order earns her nothing")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_share WHERE order_id = %d" % own["id"]), "0", "not recorded")
    # a link of another item in the campaign earns nothing for this item
    _, other_item = make_item(ctx, price=5000, campaign_id=campaign_id)
    other_code = share_link(ctx, alice, other_item)
    m = ctx.expect(place(ctx, bob, body(item_id, share_code=other_code)), 201, what="another item's link")
    pay_and_notify(ctx, bob, m["id"])
    eq(coupons_of(alice), 1, "the shared item was not bought")


def test_a_points_offer_issues_from_a_template(ctx):
    """Rewards issue coupons from templates: a points offer naming one gives
    that template's coupon, counted against its limits.total."""
    campaign_id, _ = make_item(ctx, price=20000, stock=10)
    t = create(ctx, campaign_id, template(campaign_id, title="积分兑券", amount=800, min_spend=0, total=1,
                                          claimable=False))
    offer = ctx.expect(ctx.post("/api/v1/admin/points/offers",
                                {"title": "积分换券", "cost_points": 10, "stock": 5, "per_user": 0,
                                 "coupon_promotion_id": t["id"]}, token=admin(ctx)), 201, what="offer")
    eq(offer.get("coupon_promotion_id"), t["id"], "the offer names its template")
    alice, bob = shopper(ctx), shopper(ctx)
    for who in (alice, bob):
        ctx.sql("UPDATE shopper SET points_balance = 100 WHERE id = %d" % who["id"])
    got = ctx.expect(ctx.post("/api/v1/points/offers/%d/exchange" % offer["id"], token=alice["token"],
                              ip=alice["ip"]), 200, what="exchange")
    eq((got["coupon"]["title"], got["coupon"]["amount_fen"], got["points_balance"]), ("积分兑券", 800, 90),
       "the template's coupon")
    eq(ctx.sql_value("SELECT promotion_id FROM coupon WHERE id = %d" % got["coupon"]["id"]), str(t["id"]),
       "issued from the template")
    r = ctx.post("/api/v1/points/offers/%d/exchange" % offer["id"], token=bob["token"], ip=bob["ip"])
    ctx.expect(r, 409, "out_of_stock")  # the template's limits.total: 1
    eq(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % bob["id"]), "100", "no points taken")


def test_the_new_user_pack_issues_from_templates(ctx):
    """The shop-wide new-user pack names coupon templates: a new shopper's
    first login gets one coupon of each (a spent template gives nothing)."""
    campaign_id, _ = make_item(ctx, price=20000, stock=10)
    t = create(ctx, campaign_id, template(campaign_id, title="新人券", amount=600, min_spend=0, claimable=False))
    spent = create(ctx, campaign_id, template(campaign_id, title="已领完", amount=600, min_spend=0, total=1,
                                              claimable=False))
    ctx.sql("UPDATE promotion SET used_orders = 1 WHERE id = %d" % spent["id"])
    before = ctx.expect(ctx.get("/api/v1/admin/engagement", token=admin(ctx)), 200, what="settings")
    try:
        r = ctx.request("PUT", "/api/v1/admin/engagement", token=admin(ctx),
                        json_body={"new_user_pack": {"coupon_promotion_ids": [t["id"], spent["id"]]}})
        got = ctx.expect(r, 200, what="put settings")
        eq(got["new_user_pack"]["coupon_promotion_ids"], [t["id"], spent["id"]], "kept")
        newcomer = shopper(ctx)
        eq(ctx.sql("SELECT promotion_id, title, amount_fen, source FROM coupon WHERE user_id = %d AND promotion_id "
                   "IS NOT NULL" % newcomer["id"]), [[str(t["id"]), "新人券", "600", "new_user_pack"]],
           "one coupon of the template that has some left")
    finally:
        r = ctx.request("PUT", "/api/v1/admin/engagement", token=admin(ctx),
                        json_body={"new_user_pack": {"coupon_promotion_ids": before["new_user_pack"]["coupon_promotion_ids"]}})
        ctx.expect(r, 200, what="settings back")
