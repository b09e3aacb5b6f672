"""The promotion resource (issue 14, API.md "Promotions (admin)") over HTTP:
roles, 422 invalid_promotion naming the field, defaults, PATCH, DELETE (in
use: disabled, 409 in_use), the `used` counts; and the timed discount
end to end: the quote and the order show its line with its promotion_id,
its window and its items, a cancel gives its `used` back."""

import datetime

from kanjia import check, eq
from test_admin import admin_session
from test_orders import ADDRESS, make_item, new_key, shopper

ORDER = 72

A = "/api/v1/admin"


def iso(offset_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


_admins = {}


def admin(ctx, roles="owner"):
    if roles not in _admins:
        _admins[roles] = admin_session(ctx, roles)
    return _admins[roles]["token"]


def create(ctx, campaign_id, body, token=None, expect=201, code=None):
    r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), body, token=token or admin(ctx))
    return ctx.expect(r, expect, code, what="create promotion")


def timed(item_id, **extra):
    body = {"kind": "timed_discount", "title": "限时五折", "config": {"items": [{"item_id": item_id, "percent": 50}]}}
    body.update(extra)
    return body


def test_the_promotion_resource_refuses_and_names_the_field(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=10)
    _, foreign_item = make_item(ctx)
    tok = admin(ctx)
    ctx.expect(ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), timed(item_id)), 401, "unauthorized")
    ctx.expect(ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), timed(item_id),
                        token=admin(ctx, "fulfilment")), 403, "forbidden")
    alice = shopper(ctx)
    ctx.expect(ctx.get("%s/campaigns/%d/promotions" % (A, campaign_id), token=alice["token"]), 401, "unauthorized")
    bad = [
        (dict(timed(item_id), kind="nonsense"), "kind"),
        (dict(timed(item_id), kind="bargain"), "kind"),
        (dict(timed(item_id), title=""), "title"),
        (dict(timed(item_id), config={}), "config.items"),
        (dict(timed(item_id), config={"items": [{"item_id": item_id, "percent": 100}]}), "config.items.percent"),
        (dict(timed(item_id), config={"items": [{"item_id": item_id, "price_fen": -1}]}), "config.items.price_fen"),
        (dict(timed(item_id), config={"items": [{"item_id": foreign_item, "percent": 50}]}), "config.items.item_id"),
        (dict(timed(item_id), starts_at="tomorrow"), "starts_at"),
        (dict(timed(item_id), starts_at=iso(3600), ends_at=iso(60)), "ends_at"),
        (dict(timed(item_id), limits={"total": 0}), "limits.total"),
        (dict(timed(item_id), limits={"every": 1}), "limits"),
    ]
    for body, field in bad:
        r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), body, token=tok)
        ctx.expect(r, 422, "invalid_promotion", what=field)
        check(field in r.json["error"]["message"], "the message names %s: %s" % (field, r.json["error"]["message"]))
    ctx.expect(ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), dict(timed(item_id), extra=1), token=tok),
               400, "unknown_field")
    ctx.expect(ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id), {"kind": "timed_discount"}, token=tok),
               400, "missing_field")
    ctx.expect(ctx.post("%s/campaigns/999999999/promotions" % A, timed(item_id), token=tok), 404, "not_found")
    ctx.expect(ctx.get("%s/campaigns/999999999/promotions" % A, token=tok), 404, "not_found")
    ctx.expect(ctx.get("%s/promotions/999999999" % A, token=tok), 404, "not_found")
    eq(ctx.sql_value("SELECT COUNT(*) FROM promotion WHERE campaign_id = %d" % campaign_id), "0", "nothing written")


def test_create_read_patch_delete(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=10)
    tok = admin(ctx)
    version = int(ctx.sql_value("SELECT promotion_version FROM campaign WHERE id = %d" % campaign_id))
    p = create(ctx, campaign_id, timed(item_id))
    starts, ends = ctx.sql("SELECT DATE_FORMAT(starts_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ'), "
                           "DATE_FORMAT(ends_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM campaign WHERE id = %d"
                           % campaign_id)[0]
    eq((p["campaign_id"], p["kind"], p["title"], p["enabled"]), (campaign_id, "timed_discount", "限时五折", True),
       "the promotion")
    eq((p["starts_at"], p["ends_at"]), (starts, ends), "the campaign's window by default")
    eq(p["config"], {"items": [{"item_id": item_id, "percent": 50}]}, "config as sent")
    eq(p["limits"], {"total": None, "per_user": None}, "no limits")
    eq(p["used"], {"count": 0, "subsidy_fen": 0}, "unused")
    eq(int(ctx.sql_value("SELECT promotion_version FROM campaign WHERE id = %d" % campaign_id)), version + 1,
       "the campaign's promotion version moved")
    got = ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=admin(ctx, "fulfilment")), 200, what="get")
    eq(got, p, "read back (any role)")
    listed = ctx.expect(ctx.get("%s/campaigns/%d/promotions" % (A, campaign_id), token=tok), 200, what="list")
    eq(listed["items"], [p], "listed")
    # PATCH: what it names, nothing else; the kind stays
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]), json_body={"kind": "coupon"}, token=tok)
    ctx.expect(r, 422, "invalid_promotion")
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]),
                    json_body={"title": "限时六折", "limits": {"total": 100},
                               "config": {"items": [{"item_id": item_id, "percent": 60}]}}, token=tok)
    changed = ctx.expect(r, 200, what="patch")
    eq((changed["title"], changed["limits"]["total"], changed["config"]["items"][0]["percent"], changed["enabled"]),
       ("限时六折", 100, 60, True), "patched")
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]), json_body={"enabled": False},
                    token=admin(ctx, "fulfilment"))
    ctx.expect(r, 403, "forbidden")
    eq(ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE target_type = 'promotion' AND target_id = %d" % p["id"]),
       "2", "create and patch audited")
    # DELETE of an unused promotion deletes it
    r = ctx.request("DELETE", "%s/promotions/%d" % (A, p["id"]), token=tok)
    eq(r.status, 204, "deleted")
    ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=tok), 404, "not_found")
    r = ctx.request("DELETE", "%s/promotions/%d" % (A, p["id"]), token=tok)
    ctx.expect(r, 404, "not_found")


def quote(ctx, who, lines):
    r = ctx.post("/api/v1/cart/quote", {"lines": lines}, token=who["token"], ip=who["ip"])
    return ctx.expect(r, 200, what="quote")


def order(ctx, who, lines):
    r = ctx.post("/api/v1/orders", {"lines": lines, "address": dict(ADDRESS)}, token=who["token"], ip=who["ip"],
                 headers={"Idempotency-Key": new_key()})
    return ctx.expect(r, 201, what="order")


def test_a_timed_discount_end_to_end(ctx):
    campaign_id, item_id = make_item(ctx, price=19800, floor=5000, stock=20, checkout_floor=5000)
    _, other_item = make_item(ctx, price=5000, campaign_id=campaign_id)
    tok = admin(ctx)
    alice = shopper(ctx)
    lines = [{"item_id": item_id, "qty": 2}, {"item_id": other_item, "qty": 1}]
    eq(quote(ctx, alice, lines)["total_fen"], 44600, "no promotion yet")
    half = create(ctx, campaign_id, timed(item_id, title="双11五折"))
    fixed = create(ctx, campaign_id, {"kind": "timed_discount", "title": "一口价", "config": {
        "items": [{"item_id": item_id, "price_fen": 12000}, {"item_id": other_item, "price_fen": 3900}]}})
    later = create(ctx, campaign_id, timed(item_id, title="明天一折", starts_at=iso(3600), ends_at=iso(7200),
                                           config={"items": [{"item_id": item_id, "percent": 10}]}))
    q = quote(ctx, alice, lines)
    # item: 9900 (half) beats 12000 (fixed); other item: 3900 (fixed); "later" is not live yet
    eq((q["subtotal_fen"], q["total_fen"]), (44600, 9900 * 2 + 3900), "the lowest live price per line")
    eq([(d["kind"], d["promotion_id"], d["amount_fen"], d["label"]) for d in q["discounts"]],
       [("timed_discount", half["id"], 19800, "限时折扣：双11五折"),
        ("timed_discount", fixed["id"], 1100, "限时折扣：一口价")], "one line per promotion")
    o = order(ctx, alice, lines)
    eq((o["total_fen"], [(d["kind"], d.get("promotion_id")) for d in o["discounts"]]),
       (q["total_fen"], [(d["kind"], d["promotion_id"]) for d in q["discounts"]]), "the order as its quote")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % o["id"], token=alice["token"]), 200, what="order read")
    eq(got["discounts"], o["discounts"], "stored with the order")
    p = ctx.expect(ctx.get("%s/promotions/%d" % (A, half["id"]), token=tok), 200, what="used")
    eq(p["used"], {"count": 1, "subsidy_fen": 19800}, "used by the order")
    # in use: DELETE disables it (409 in_use) and checkout stops applying it
    r = ctx.request("DELETE", "%s/promotions/%d" % (A, half["id"]), token=tok)
    ctx.expect(r, 409, "in_use")
    p = ctx.expect(ctx.get("%s/promotions/%d" % (A, half["id"]), token=tok), 200, what="disabled")
    eq(p["enabled"], False, "disabled, not deleted")
    q2 = quote(ctx, alice, lines)
    eq(q2["total_fen"], 12000 * 2 + 3900, "the fixed price serves once the half price is off")
    # a cancel gives the use back; the order keeps its total
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 200, what="cancel")
    p = ctx.expect(ctx.get("%s/promotions/%d" % (A, half["id"]), token=tok), 200, what="after cancel")
    eq(p["used"], {"count": 0, "subsidy_fen": 0}, "a cancelled order uses nothing")
    eq(ctx.expect(ctx.get("/api/v1/orders/%d" % o["id"], token=alice["token"]), 200, what="read")["total_fen"],
       o["total_fen"], "the total never changes")
    # a promotion disabled by PATCH, or out of its window, serves nothing
    ctx.expect(ctx.request("PATCH", "%s/promotions/%d" % (A, fixed["id"]), json_body={"enabled": False}, token=tok),
               200, what="disable")
    eq(quote(ctx, alice, lines)["total_fen"], 44600, "none live")
    ctx.expect(ctx.request("PATCH", "%s/promotions/%d" % (A, later["id"]), json_body={"starts_at": iso(-60)},
                           token=tok), 200, what="start now")
    eq(quote(ctx, alice, lines)["total_fen"], 5000 * 2 + 5000, "10% of the price, held at the floor")


def test_limits_hold_under_a_race_and_come_back_on_cancel(ctx):
    import threading
    campaign_id, item_id = make_item(ctx, price=10000, stock=200)
    tok = admin(ctx)
    p = create(ctx, campaign_id, timed(item_id, title="前5单五折", limits={"total": 5, "per_user": 2}))
    eq(p["limits"], {"total": 5, "per_user": 2}, "limits")
    alice = shopper(ctx)
    # per user: alice's third order pays full price
    first = [order(ctx, alice, [{"item_id": item_id, "qty": 1}]) for _ in range(3)]
    eq([o["total_fen"] for o in first], [5000, 5000, 10000], "two uses per shopper")
    eq(quote(ctx, alice, [{"item_id": item_id, "qty": 1}])["total_fen"], 10000, "the quote knows it too")
    # 30 shoppers race for the 3 uses left: exactly 3 get the price, everyone gets an answer
    racers = [shopper(ctx) for _ in range(30)]
    results = []
    lock = threading.Lock()
    go = threading.Event()

    def attempt(who):
        go.wait()
        r = ctx.post("/api/v1/orders", {"lines": [{"item_id": item_id, "qty": 1}], "address": dict(ADDRESS)},
                     token=who["token"], ip=who["ip"], headers={"Idempotency-Key": new_key()}, timeout=60)
        with lock:
            results.append((r.status, r.json.get("total_fen") if r.status == 201 else r.error_code))

    threads = [threading.Thread(target=attempt, args=(who,)) for who in racers]
    [t.start() for t in threads]
    go.set()
    [t.join() for t in threads]
    eq(len(results), 30, "every request answered")
    check(all(status == 201 for status, _ in results), "every order placed: %s" % results)
    eq(sorted(total for _, total in results).count(5000), 3, "three at the promotion's price")
    eq(int(ctx.sql_value("SELECT used_orders FROM promotion WHERE id = %d" % p["id"])), 5, "the counter at its cap")
    got = ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=tok), 200, what="used")
    eq(got["used"], {"count": 5, "subsidy_fen": 25000}, "used")
    # a cancel gives its use back, once
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % first[0]["id"], token=alice["token"]), 200, what="cancel")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % first[0]["id"], token=alice["token"]), 409, "invalid_state")
    eq(int(ctx.sql_value("SELECT used_orders FROM promotion WHERE id = %d" % p["id"])), 4, "one use back")
    eq(int(ctx.sql_value("SELECT uses FROM promotion_user WHERE promotion_id = %d AND user_id = %d"
                         % (p["id"], alice["id"]))), 1, "alice's use back")
    eq(order(ctx, alice, [{"item_id": item_id, "qty": 1}])["total_fen"], 5000, "and taken again")


def test_a_full_reduction_on_the_resource(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=50)
    _, other_item = make_item(ctx, price=3000, campaign_id=campaign_id)
    tok = admin(ctx)
    alice = shopper(ctx)
    r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                 {"kind": "full_reduction", "title": "每满100减10", "config": {
                     "tiers": [{"threshold_fen": 10000, "off_fen": 1000}, {"threshold_fen": 20000, "off_fen": 3000}],
                     "repeat": True}}, token=tok)
    check("config.tiers" in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "repeat takes one tier")
    r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                 {"kind": "full_reduction", "title": "x", "config": {
                     "tiers": [{"threshold_fen": 10000, "off_fen": 1000}], "item_ids": [999999999]}}, token=tok)
    check("config.item_ids" in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "items of the campaign")
    tiers = create(ctx, campaign_id, {"kind": "full_reduction", "title": "满300减40", "config": {
        "tiers": [{"threshold_fen": 30000, "off_fen": 4000}, {"threshold_fen": 15000, "off_fen": 2000}]}})
    every = create(ctx, campaign_id, {"kind": "full_reduction", "title": "每满100减15", "config": {
        "tiers": [{"threshold_fen": 10000, "off_fen": 1500}], "repeat": True, "cap_fen": 4000,
        "item_ids": [item_id]}})
    # 2 x 100 + 1 x 30 = 230: tiers give 20 (over 150); every-100 on the item gives 2 x 15 = 30: it wins
    q = quote(ctx, alice, [{"item_id": item_id, "qty": 2}, {"item_id": other_item, "qty": 1}])
    eq([(d["kind"], d["promotion_id"], d["label"], d["amount_fen"]) for d in q["discounts"]],
       [("full_reduction", every["id"], "每满100元减15元", 3000)], "the most off")
    eq(q["total_fen"], 20000, "total")
    # 4 x 100: every-100 would be 60, capped at 40; tiers give 40 too: the tie goes to the lower id
    q = quote(ctx, alice, [{"item_id": item_id, "qty": 4}])
    eq([(d["promotion_id"], d["amount_fen"]) for d in q["discounts"]], [(tiers["id"], 4000)], "capped, tied")
    o = order(ctx, alice, [{"item_id": item_id, "qty": 2}, {"item_id": other_item, "qty": 1}])
    eq((o["total_fen"], o["discounts"][0]["promotion_id"]), (20000, every["id"]), "the order as its quote")
    got = ctx.expect(ctx.get("%s/promotions/%d" % (A, every["id"]), token=tok), 200, what="used")
    eq(got["used"], {"count": 1, "subsidy_fen": 3000}, "used")


def test_a_first_order_until_the_shopper_has_paid(ctx):
    from test_orders import notify, pay
    campaign_id, item_id = make_item(ctx, price=10000, stock=20)
    tok = admin(ctx)
    r = ctx.post("%s/campaigns/%d/promotions" % (A, campaign_id),
                 {"kind": "first_order", "title": "x", "config": {"percent": 80, "off_fen": 100}}, token=tok)
    check("config.percent" in ctx.expect(r, 422, "invalid_promotion")["error"]["message"], "one of the two")
    p = create(ctx, campaign_id, {"kind": "first_order", "title": "新人八折",
                                  "config": {"percent": 80, "max_off_fen": 3000}})
    alice = shopper(ctx)
    lines = [{"item_id": item_id, "qty": 1}]
    q = quote(ctx, alice, lines)
    eq([(d["kind"], d["promotion_id"], d["label"], d["amount_fen"]) for d in q["discounts"]],
       [("first_order", p["id"], "新客首单：新人八折", 2000)], "20% off a new shopper's order")
    eq(quote(ctx, alice, [{"item_id": item_id, "qty": 3}])["total_fen"], 27000, "at most 30 off")
    o = order(ctx, alice, lines)
    eq(o["total_fen"], 8000, "ordered at the price")
    pr = pay(ctx, alice, o["id"])
    r = notify(ctx, {"payment_id": pr["payment_id"], "order_id": o["id"], "amount_fen": 8000, "status": "success"})
    ctx.expect(r, 200, what="notify")
    eq(quote(ctx, alice, lines)["total_fen"], 10000, "once a paid order exists, no more")
    eq(quote(ctx, shopper(ctx), lines)["total_fen"], 8000, "another new shopper still gets it")
