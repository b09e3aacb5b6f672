"""Campaigns and items: admin create, read, patch, add item, stock_delta,
every 422 invalid_campaign rule, unknown fields at every level, the audit
log, lists with limit and cursor, and the public reads."""

import copy
import json
import secrets
import subprocess
import time

from kanjia import Skip, check, eq

ORDER = 61

ADMIN = "/api/v1/admin"
PUBLIC = "/api/v1/campaigns"

_session = {}


# ------------------------------------------------------------------ helpers

def rfc3339(when):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def admin_token(ctx, roles="operator"):
    """One logged-in admin per role for this module (made with create-admin)."""
    if roles in _session:
        return _session[roles]
    if not ctx.bin or not ctx.conf_path:
        raise Skip("KANJIA_BIN and KANJIA_CONF are needed to create an admin")
    username = "c_%s" % secrets.token_hex(5)
    password = "pw-" + secrets.token_urlsafe(12)
    ctx.secrets.add(password)
    r = subprocess.run([ctx.bin, "-c", ctx.conf_path, "create-admin", username, roles],
                       input=(password + "\n").encode(), capture_output=True, timeout=60)
    check(r.returncode == 0, "create-admin failed: %s" % r.stderr.decode("utf-8", "replace")[:300])
    j = ctx.expect(ctx.post(ADMIN + "/login", {"username": username, "password": password}), 200, what="admin login")
    ctx.secrets.add(j["token"])
    _session[roles] = j["token"]
    _session[roles + ":id"] = j["admin"]["id"]
    return j["token"]


def item_body(**overrides):
    item = {
        "name": "智能手表",
        "images": ["/assets/demo/watch-1.jpg"],
        "original_price_fen": 50000,
        "floor_price_fen": 30000,
        "stock": 100,
        "rules": {"cut_min_fen": 100, "cut_max_fen": 5000},
        "rewards": {
            "initiator": [{"helpers": 10, "prize": "保温杯"},
                          {"helpers": 5, "coupon": {"title": "50元券", "amount_fen": 5000}}],
            "helper": {"coupon": {"title": "10元券", "amount_fen": 1000, "min_spend_fen": 5000, "valid_days": 3}},
            "leaderboard": [{"rank": 2, "prize": "800元购物卡"}, {"rank": 1, "prize": "1000元购物卡"}],
        },
    }
    item.update(overrides)
    return item


def campaign_body(title=None, starts=-3600, ends=86400, items=None):
    now = int(time.time())
    return {
        "title": title or "测试活动 %s" % secrets.token_hex(3),
        "starts_at": rfc3339(now + starts),
        "ends_at": rfc3339(now + ends),
        "items": items if items is not None else [item_body()],
    }


def create(ctx, body=None, expect=201, code=None, what="create"):
    r = ctx.post(ADMIN + "/campaigns", body if body is not None else campaign_body(), token=admin_token(ctx))
    return ctx.expect(r, expect, code, what=what)


def patch(ctx, path, body, expect=200, code=None, what="patch"):
    r = ctx.request("PATCH", ADMIN + path, json_body=body, token=admin_token(ctx))
    return ctx.expect(r, expect, code, what=what)


def campaign_count(ctx):
    return int(ctx.sql_value("SELECT COUNT(*) FROM campaign"))


def stock_row(ctx, item_id):
    row = ctx.sql("SELECT stock_total, stock_left, stock_reserved, stock_sold FROM campaign_item WHERE id = %d"
                  % item_id)[0]
    return [int(x) for x in row]


# ------------------------------------------------------------ create, read

def test_create_campaign_happy_path_then_public(ctx):
    body = campaign_body(items=[item_body(), item_body(name="蓝牙耳机", original_price_fen=29900, floor_price_fen=9900,
                                                        rules={"cut_min_fen": 100, "cut_max_fen": 6000,
                                                               "target_cuts": 10, "helps_per_bargain": 20,
                                                               "self_cuts_per_day": 2, "bargain_ttl_s": 3600},
                                                        rewards=None)])
    r = ctx.post(ADMIN + "/campaigns", body, token=admin_token(ctx))
    j = ctx.expect(r, 201, what="create")
    check(isinstance(j["id"], int) and j["id"] > 0, "campaign id %r" % j.get("id"))
    eq(j["title"], body["title"], "title")
    eq(j["starts_at"], body["starts_at"], "starts_at")
    eq(j["ends_at"], body["ends_at"], "ends_at")
    eq(j["status"], "active", "status")
    eq(len(j["items"]), 2, "items")
    first, second = j["items"]
    check(isinstance(first["id"], int) and second["id"] > first["id"], "item ids %r" % [first["id"], second["id"]])
    eq(first["rules"], {"cut_min_fen": 100, "cut_max_fen": 5000, "target_cuts": None, "self_cuts_per_day": 3,
                        "helps_per_user_per_day": 3, "bargains_per_user": 1, "helps_per_bargain": None,
                        "bargain_ttl_s": 86400, "pay_within_s": 1800}, "defaults filled in")
    eq(second["rules"]["target_cuts"], 10, "target_cuts")
    eq(second["rules"]["helps_per_bargain"], 20, "helps_per_bargain")
    eq(first["rewards"], {
        "initiator": [{"helpers": 5, "coupon": {"title": "50元券", "amount_fen": 5000, "min_spend_fen": 0,
                                                "valid_days": 7}},
                      {"helpers": 10, "prize": "保温杯"}],
        "helper": {"coupon": {"title": "10元券", "amount_fen": 1000, "min_spend_fen": 5000, "valid_days": 3}},
        "leaderboard": [{"rank": 1, "prize": "1000元购物卡"}, {"rank": 2, "prize": "800元购物卡"}],
    }, "rewards normalised")
    eq(second["rewards"], {"initiator": [], "helper": None, "leaderboard": []}, "no rewards")
    eq([first["stock_total"], first["stock_left"], first["stock_reserved"], first["stock_sold"]], [100, 100, 0, 0],
       "admin stock")
    # stored as the bargain code reads it
    stored = json.loads(ctx.sql_value("SELECT rewards_json FROM campaign_item WHERE id = %d" % first["id"]))
    eq(stored, first["rewards"], "rewards_json")
    eq(ctx.sql_value("SELECT target_cuts FROM campaign_item WHERE id = %d" % first["id"]), None, "NULL target_cuts")

    # the public reads
    public = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200, what="public get")
    eq(public["title"], body["title"], "public title")
    eq(public["status"], "active", "public status")
    item = public["items"][0]
    for key in ("id", "name", "images", "original_price_fen", "floor_price_fen", "stock_left", "rules", "rewards"):
        check(key in item, "public item lacks %s" % key)
    for key in ("stock_total", "stock_reserved", "stock_sold"):
        check(key not in item, "public item shows %s" % key)
    eq(item["stock_left"], 100, "public stock_left")
    eq(item["images"], ["/assets/demo/watch-1.jpg"], "images")
    listing = ctx.expect(ctx.get(PUBLIC + "?limit=100"), 200, what="public list")
    ids = [c["id"] for c in listing["items"]]
    more = listing["next_cursor"]
    while j["id"] not in ids and more:
        listing = ctx.expect(ctx.get(PUBLIC + "?limit=100&cursor=" + more), 200, what="public list page")
        ids += [c["id"] for c in listing["items"]]
        more = listing["next_cursor"]
    check(j["id"] in ids, "the new campaign is not in the public list")
    # the admin read is the same as the create answer
    again = ctx.expect(ctx.get("%s/campaigns/%d" % (ADMIN, j["id"]), token=admin_token(ctx)), 200, what="admin get")
    eq(again["items"], j["items"], "admin get items")


def test_public_list_shows_active_and_upcoming_not_ended(ctx):
    upcoming = create(ctx, campaign_body(starts=86400, ends=2 * 86400), what="upcoming")
    eq(upcoming["status"], "upcoming", "status of an upcoming campaign")
    ended = create(ctx, campaign_body(), what="soon ended")
    now = int(time.time())
    patch(ctx, "/campaigns/%d" % ended["id"], {"starts_at": rfc3339(now - 7200), "ends_at": rfc3339(now - 60)},
          what="end it")
    seen = {}
    cursor = None
    while True:
        r = ctx.get(PUBLIC + "?limit=50" + ("&cursor=" + cursor if cursor else ""))
        page = ctx.expect(r, 200, what="public list")
        for c in page["items"]:
            seen[c["id"]] = c["status"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    eq(seen.get(upcoming["id"]), "upcoming", "upcoming in the public list")
    check(ended["id"] not in seen, "an ended campaign is in the public list")
    check(all(s in ("upcoming", "active") for s in seen.values()), "statuses %r" % set(seen.values()))
    eq(ctx.expect(ctx.get("%s/%d" % (PUBLIC, ended["id"])), 200)["status"], "ended", "ended by id")


def test_public_get_unknown_is_404(ctx):
    ctx.expect(ctx.get(PUBLIC + "/999999999"), 404, "not_found", what="unknown campaign")
    ctx.expect(ctx.get(PUBLIC + "/0"), 404, "not_found", what="id 0")
    ctx.expect(ctx.get(PUBLIC + "/abc"), 404, "not_found", what="id abc")
    ctx.expect(ctx.get(ADMIN + "/campaigns/999999999", token=admin_token(ctx)), 404, "not_found", what="admin unknown")


def test_admin_list_limit_and_cursor(ctx):
    a = create(ctx, what="first")
    b = create(ctx, what="second")
    token = admin_token(ctx)
    page = ctx.expect(ctx.get(ADMIN + "/campaigns?limit=1", token=token), 200, what="limit=1")
    eq(len(page["items"]), 1, "items on a page of 1")
    eq(page["items"][0]["id"], b["id"], "newest first")
    check(isinstance(page["next_cursor"], str), "next_cursor %r" % page["next_cursor"])
    page2 = ctx.expect(ctx.get(ADMIN + "/campaigns?limit=1&cursor=" + page["next_cursor"], token=token), 200,
                       what="next page")
    eq(page2["items"][0]["id"], a["id"], "the next page")
    check(len(page2["items"][0]["items"]) == 1, "the list carries items")
    default = ctx.expect(ctx.get(ADMIN + "/campaigns", token=token), 200, what="default limit")
    check(len(default["items"]) <= 20, "default page of %d" % len(default["items"]))
    for query in ("limit=0", "limit=101", "limit=x", "limit=-1", "cursor=abc", "cursor=0", "cursor=-5"):
        ctx.expect(ctx.get(ADMIN + "/campaigns?" + query, token=token), 400, "invalid_field", what=query)
        ctx.expect(ctx.get(PUBLIC + "?" + query), 400, "invalid_field", what="public " + query)


# ------------------------------------------------------- 422 invalid_campaign

def rules(**changes):
    r = {"cut_min_fen": 100, "cut_max_fen": 5000}
    r.update(changes)
    return r


INVALID = [
    ("floor equal to price", {"items": [item_body(floor_price_fen=50000)]}),
    ("floor above price", {"items": [item_body(floor_price_fen=60000)]}),
    ("floor below zero", {"items": [item_body(floor_price_fen=-1)]}),
    ("price zero", {"items": [item_body(original_price_fen=0, floor_price_fen=0)]}),
    ("cut_min zero", {"items": [item_body(rules=rules(cut_min_fen=0))]}),
    ("cut_max below cut_min", {"items": [item_body(rules=rules(cut_min_fen=500, cut_max_fen=499))]}),
    ("target_cuts too few", {"items": [item_body(rules=rules(target_cuts=3))]}),  # 3 * 5000 < 20000
    ("target_cuts too many", {"items": [item_body(rules=rules(target_cuts=201))]}),  # 201 * 100 > 20000
    ("target_cuts zero", {"items": [item_body(rules=rules(target_cuts=0))]}),
    ("window backwards", {"starts_at": rfc3339(time.time() + 7200), "ends_at": rfc3339(time.time() + 3600)}),
    ("window empty", {"starts_at": rfc3339(time.time() + 3600), "ends_at": rfc3339(time.time() + 3600)}),
    ("ends in the past", {"starts_at": rfc3339(time.time() - 7200), "ends_at": rfc3339(time.time() - 60)}),
    ("stock below zero", {"items": [item_body(stock=-1)]}),
    ("no items", {"items": []}),
    ("51 items", {"items": [item_body(name="商品%d" % i) for i in range(51)]}),
    ("title empty", {"title": ""}),
    ("title blank", {"title": "   "}),
    ("title 101 characters", {"title": "砍" * 101}),
    ("name empty", {"items": [item_body(name="")]}),
    ("self_cuts_per_day zero", {"items": [item_body(rules=rules(self_cuts_per_day=0))]}),
    ("helps_per_user_per_day zero", {"items": [item_body(rules=rules(helps_per_user_per_day=0))]}),
    ("bargains_per_user zero", {"items": [item_body(rules=rules(bargains_per_user=0))]}),
    ("bargains_per_user negative", {"items": [item_body(rules=rules(bargains_per_user=-3))]}),
    ("helps_per_bargain zero", {"items": [item_body(rules=rules(helps_per_bargain=0))]}),
    ("bargain_ttl_s 59", {"items": [item_body(rules=rules(bargain_ttl_s=59))]}),
    ("bargain_ttl_s over 30 days", {"items": [item_body(rules=rules(bargain_ttl_s=30 * 86400 + 1))]}),
    ("pay_within_s 59", {"items": [item_body(rules=rules(pay_within_s=59))]}),
    ("pay_within_s over 7 days", {"items": [item_body(rules=rules(pay_within_s=7 * 86400 + 1))]}),
    ("initiator coupon amount zero", {"items": [item_body(rewards={
        "initiator": [{"helpers": 5, "coupon": {"title": "券", "amount_fen": 0}}]})]}),
    ("helper coupon amount negative", {"items": [item_body(rewards={
        "helper": {"coupon": {"title": "券", "amount_fen": -100}}})]}),
    ("milestone helpers zero", {"items": [item_body(rewards={"initiator": [{"helpers": 0, "prize": "礼物"}]})]}),
    ("milestone helpers duplicated", {"items": [item_body(rewards={
        "initiator": [{"helpers": 5, "prize": "礼物"}, {"helpers": 5, "prize": "另一个礼物"}]})]}),
    ("milestone without reward", {"items": [item_body(rewards={"initiator": [{"helpers": 5}]})]}),
    ("leaderboard rank duplicated", {"items": [item_body(rewards={
        "leaderboard": [{"rank": 1, "prize": "a"}, {"rank": 1, "prize": "b"}]})]}),
    ("leaderboard rank zero", {"items": [item_body(rewards={"leaderboard": [{"rank": 0, "prize": "a"}]})]}),
    ("image javascript url", {"items": [item_body(images=["javascript:alert(1)"])]}),
    ("image protocol-relative", {"items": [item_body(images=["//evil.example/x.jpg"])]}),
]


def test_invalid_campaigns_answer_422(ctx):
    before = campaign_count(ctx)
    failures = []
    for what, changes in INVALID:
        body = campaign_body()
        body.update(copy.deepcopy(changes))
        r = ctx.post(ADMIN + "/campaigns", body, token=admin_token(ctx))
        if r.status != 422 or r.error_code != "invalid_campaign":
            failures.append("%s: %s" % (what, r.short()))
            continue
        message = r.json["error"]["message"]
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
            failures.append("%s: message not Chinese: %r" % (what, message))
    check(not failures, "; ".join(failures))
    eq(campaign_count(ctx), before, "campaigns created by refused bodies")


def test_invalid_message_names_the_item_and_rule(ctx):
    body = campaign_body(items=[item_body(), item_body(rules=rules(target_cuts=3))])
    r = ctx.post(ADMIN + "/campaigns", body, token=admin_token(ctx))
    ctx.expect(r, 422, "invalid_campaign")
    message = r.json["error"]["message"]
    check("items[1]" in message, "message does not name the item: %r" % message)
    check("3" in message and "刀" in message, "message does not name the rule: %r" % message)


def test_target_cuts_at_the_edges_are_accepted(ctx):
    # distance 20000: 4 cuts of at most 5000, 200 cuts of at least 100
    for n in (4, 200):
        j = create(ctx, campaign_body(items=[item_body(rules=rules(target_cuts=n))]), what="target_cuts %d" % n)
        eq(j["items"][0]["rules"]["target_cuts"], n, "target_cuts")


def test_unknown_fields_refused_at_every_level(ctx):
    cases = {
        "top level": lambda b: b.update(color="red"),
        "item": lambda b: b["items"][0].update(sku="x"),
        "rules": lambda b: b["items"][0]["rules"].update(cut_avg_fen=5),
        "rewards": lambda b: b["items"][0]["rewards"].update(shares=[]),
        "initiator entry": lambda b: b["items"][0]["rewards"]["initiator"][0].update(points=5),
        "initiator coupon": lambda b: b["items"][0]["rewards"]["initiator"][1]["coupon"].update(scope="all"),
        "helper": lambda b: b["items"][0]["rewards"]["helper"].update(points=1),
        "helper coupon": lambda b: b["items"][0]["rewards"]["helper"]["coupon"].update(stackable=True),
        "leaderboard entry": lambda b: b["items"][0]["rewards"]["leaderboard"][0].update(medal="gold"),
    }
    before = campaign_count(ctx)
    for what, change in cases.items():
        body = campaign_body()
        change(body)
        ctx.expect(ctx.post(ADMIN + "/campaigns", body, token=admin_token(ctx)), 400, "unknown_field", what=what)
    eq(campaign_count(ctx), before, "campaigns created by refused bodies")


def test_wrong_types_and_missing_fields_are_400(ctx):
    cases = [
        ("price as a float", lambda b: b["items"][0].update(original_price_fen=500.5), "invalid_field"),
        ("price as a string", lambda b: b["items"][0].update(original_price_fen="50000"), "invalid_field"),
        ("stock as a bool", lambda b: b["items"][0].update(stock=True), "invalid_field"),
        ("cut_min as a float", lambda b: b["items"][0]["rules"].update(cut_min_fen=1.0), "invalid_field"),
        ("coupon amount as a float", lambda b: b["items"][0]["rewards"]["helper"]["coupon"].update(amount_fen=9.9),
         "invalid_field"),
        ("images not strings", lambda b: b["items"][0].update(images=[1, 2]), "invalid_field"),
        ("items not an array", lambda b: b.update(items={}), "invalid_field"),
        ("bad time", lambda b: b.update(starts_at="tomorrow"), "invalid_field"),
        ("no title", lambda b: b.pop("title"), "missing_field"),
        ("no rules", lambda b: b["items"][0].pop("rules"), "missing_field"),
        ("no cut_max", lambda b: b["items"][0]["rules"].pop("cut_max_fen"), "missing_field"),
        ("no stock", lambda b: b["items"][0].pop("stock"), "missing_field"),
    ]
    for what, change, code in cases:
        body = campaign_body()
        change(body)
        ctx.expect(ctx.post(ADMIN + "/campaigns", body, token=admin_token(ctx)), 400, code, what=what)
    r = ctx.post(ADMIN + "/campaigns", body="{\"title\": ", content_type="application/json", token=admin_token(ctx))
    ctx.expect(r, 400, "invalid_json", what="broken JSON")


# ------------------------------------------------------------------- patches

def test_patch_campaign(ctx):
    j = create(ctx)
    now = int(time.time())
    new = {"title": "改过的标题", "starts_at": rfc3339(now + 3600), "ends_at": rfc3339(now + 7200)}
    out = patch(ctx, "/campaigns/%d" % j["id"], new)
    eq([out["title"], out["starts_at"], out["ends_at"], out["status"]],
       [new["title"], new["starts_at"], new["ends_at"], "upcoming"], "patched campaign")
    got = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200)
    eq(got["title"], "改过的标题", "public title after patch")
    patch(ctx, "/campaigns/%d" % j["id"], {"ends_at": rfc3339(now + 1800)}, 422, "invalid_campaign",
          what="patch ends before starts")
    patch(ctx, "/campaigns/%d" % j["id"], {"title": ""}, 422, "invalid_campaign", what="patch empty title")
    patch(ctx, "/campaigns/%d" % j["id"], {"items": []}, 400, "unknown_field", what="patch items")
    patch(ctx, "/campaigns/999999999", {"title": "x"}, 404, "not_found", what="patch unknown")
    eq(ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200)["ends_at"], new["ends_at"], "unchanged by refusals")


def test_patch_item(ctx):
    j = create(ctx)
    item_id = j["items"][0]["id"]
    out = patch(ctx, "/items/%d" % item_id, {
        "name": "新名字", "images": ["https://cdn.example.com/a.jpg"], "original_price_fen": 40000,
        "floor_price_fen": 20000, "rules": {"target_cuts": 8, "self_cuts_per_day": 5},
        "rewards": {"leaderboard": [{"rank": 1, "prize": "平板电脑"}]}})
    eq(out["name"], "新名字", "name")
    eq(out["images"], ["https://cdn.example.com/a.jpg"], "images")
    eq([out["original_price_fen"], out["floor_price_fen"]], [40000, 20000], "prices")
    eq(out["rules"]["target_cuts"], 8, "target_cuts")
    eq(out["rules"]["self_cuts_per_day"], 5, "self_cuts_per_day")
    eq(out["rules"]["cut_max_fen"], 5000, "cut_max_fen kept")
    eq(out["rewards"], {"initiator": [], "helper": None, "leaderboard": [{"rank": 1, "prize": "平板电脑"}]},
       "rewards replaced")
    # clear target_cuts with null
    out = patch(ctx, "/items/%d" % item_id, {"rules": {"target_cuts": None}})
    eq(out["rules"]["target_cuts"], None, "target_cuts cleared")
    # refusals leave it as it was
    patch(ctx, "/items/%d" % item_id, {"floor_price_fen": 40000}, 422, "invalid_campaign", what="floor = price")
    patch(ctx, "/items/%d" % item_id, {"rules": {"target_cuts": 2}}, 422, "invalid_campaign", what="infeasible")
    patch(ctx, "/items/%d" % item_id, {"stock": 5}, 400, "unknown_field", what="stock is not patchable")
    patch(ctx, "/items/%d" % item_id, {"rules": {"cut_mode": 1}}, 400, "unknown_field", what="unknown rule")
    patch(ctx, "/items/999999999", {"name": "x"}, 404, "not_found", what="unknown item")
    got = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200)["items"][0]
    eq([got["floor_price_fen"], got["rules"]["target_cuts"]], [20000, None], "after refusals")


def test_add_item(ctx):
    j = create(ctx)
    token = admin_token(ctx)
    r = ctx.post("%s/campaigns/%d/items" % (ADMIN, j["id"]), item_body(name="第二个商品", stock=7), token=token)
    item = ctx.expect(r, 201, what="add item")
    eq([item["name"], item["stock_left"], item["campaign_id"]], ["第二个商品", 7, j["id"]], "added item")
    got = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200)
    eq([i["id"] for i in got["items"]], [j["items"][0]["id"], item["id"]], "items after adding")
    ctx.expect(ctx.post("%s/campaigns/999999999/items" % ADMIN, item_body(), token=token), 404, "not_found",
               what="add to unknown campaign")
    ctx.expect(ctx.post("%s/campaigns/%d/items" % (ADMIN, j["id"]), item_body(floor_price_fen=50000), token=token),
               422, "invalid_campaign", what="add invalid item")
    ctx.expect(ctx.post("%s/campaigns/%d/items" % (ADMIN, j["id"]), item_body(colour="red"), token=token),
               400, "unknown_field", what="add item with unknown field")


def test_stock_delta(ctx):
    j = create(ctx, campaign_body(items=[item_body(stock=5)]))
    item_id = j["items"][0]["id"]
    out = patch(ctx, "/items/%d" % item_id, {"stock_delta": -6}, 409, "insufficient_stock", what="below zero")
    eq(stock_row(ctx, item_id), [5, 5, 0, 0], "stock after a refused decrease")
    out = patch(ctx, "/items/%d" % item_id, {"stock_delta": 10})
    eq([out["stock_total"], out["stock_left"]], [15, 15], "after +10")
    out = patch(ctx, "/items/%d" % item_id, {"stock_delta": -15})
    eq([out["stock_total"], out["stock_left"]], [0, 0], "after -15")
    patch(ctx, "/items/%d" % item_id, {"stock_delta": -1}, 409, "insufficient_stock", what="below zero at 0")
    eq(stock_row(ctx, item_id), [0, 0, 0, 0], "stock at zero")
    # reserved and sold stock cannot be taken away: only stock_left counts
    ctx.sql("UPDATE campaign_item SET stock_total = 10, stock_left = 4, stock_reserved = 3, stock_sold = 3 "
            "WHERE id = %d" % item_id)
    patch(ctx, "/items/%d" % item_id, {"stock_delta": -5}, 409, "insufficient_stock", what="more than left")
    out = patch(ctx, "/items/%d" % item_id, {"stock_delta": -4})
    eq(stock_row(ctx, item_id), [6, 0, 3, 3], "total = left + reserved + sold")
    # a refused stock change rolls back the rest of the patch
    patch(ctx, "/items/%d" % item_id, {"name": "不该保存", "stock_delta": -1}, 409, "insufficient_stock",
          what="name with a refused delta")
    eq(ctx.sql_value("SELECT name FROM campaign_item WHERE id = %d" % item_id), "智能手表", "name after rollback")
    public = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200)
    eq(public["items"][0]["stock_left"], 0, "public stock_left")


# --------------------------------------------------------------- the audit

def test_writes_are_audited_with_before_and_after(ctx):
    token = admin_token(ctx)
    admin_id = _session["operator:id"]
    r = ctx.post(ADMIN + "/campaigns", campaign_body(), token=token)
    j = ctx.expect(r, 201)
    rows = ctx.sql("SELECT admin_id, action, target_type, target_id, before_json, after_json, request_id "
                   "FROM audit_log WHERE target_type = 'campaign' AND target_id = %d ORDER BY id" % j["id"])
    eq(len(rows), 1, "audit rows after create")
    eq(rows[0][:4], [str(admin_id), "campaign.create", "campaign", str(j["id"])], "create audit row")
    eq(rows[0][4], None, "before of a create")
    eq(json.loads(rows[0][5])["title"], j["title"], "after of a create")
    eq(rows[0][6], r.header("X-Request-Id"), "request id")

    r = ctx.request("PATCH", "%s/campaigns/%d" % (ADMIN, j["id"]), json_body={"title": "审计后的标题"}, token=token)
    ctx.expect(r, 200)
    row = ctx.sql("SELECT action, before_json, after_json, request_id FROM audit_log WHERE target_type = 'campaign' "
                  "AND target_id = %d ORDER BY id DESC LIMIT 1" % j["id"])[0]
    eq(row[0], "campaign.update", "patch action")
    eq(json.loads(row[1])["title"], j["title"], "before title")
    eq(json.loads(row[2])["title"], "审计后的标题", "after title")
    eq(row[3], r.header("X-Request-Id"), "patch request id")

    item_id = j["items"][0]["id"]
    ctx.expect(ctx.request("PATCH", "%s/items/%d" % (ADMIN, item_id), json_body={"stock_delta": 3}, token=token), 200)
    row = ctx.sql("SELECT action, before_json, after_json FROM audit_log WHERE target_type = 'campaign_item' "
                  "AND target_id = %d ORDER BY id DESC LIMIT 1" % item_id)[0]
    eq(row[0], "item.update", "item action")
    eq([json.loads(row[1])["stock_left"], json.loads(row[2])["stock_left"]], [100, 103], "stock before/after")

    r = ctx.post("%s/campaigns/%d/items" % (ADMIN, j["id"]), item_body(), token=token)
    new_item = ctx.expect(r, 201)
    eq(ctx.sql_value("SELECT action FROM audit_log WHERE target_type = 'campaign_item' AND target_id = %d"
                     % new_item["id"]), "item.create", "item create audited")

    # refused writes leave no audit row
    count = ctx.sql_value("SELECT COUNT(*) FROM audit_log")
    ctx.request("PATCH", "%s/items/%d" % (ADMIN, item_id), json_body={"stock_delta": -100000}, token=token)
    ctx.request("PATCH", "%s/campaigns/%d" % (ADMIN, j["id"]), json_body={"title": ""}, token=token)
    eq(ctx.sql_value("SELECT COUNT(*) FROM audit_log"), count, "audit rows after refused writes")


# ------------------------------------------------------------ text is text

def test_markup_in_title_round_trips_as_plain_text(ctx):
    title = "<img src=x onerror=alert(1)>"
    name = "<script>alert('x')</script>&amp;"
    j = create(ctx, campaign_body(title=title, items=[item_body(name=name)]))
    eq(j["title"], title, "title in the create answer")
    for r in (ctx.get("%s/%d" % (PUBLIC, j["id"])), ctx.get("%s/campaigns/%d" % (ADMIN, j["id"]),
                                                                  token=admin_token(ctx))):
        got = ctx.expect(r, 200)
        eq(got["title"], title, "title read back")
        eq(got["items"][0]["name"], name, "name read back")
        check((r.header("Content-Type") or "").startswith("application/json"), "Content-Type %r"
              % r.header("Content-Type"))
    eq(ctx.sql_value("SELECT title FROM campaign WHERE id = %d" % j["id"]), title, "stored as given")


def test_audit_log_read_by_owners_only(ctx):
    j = create(ctx)
    ctx.expect(ctx.request("PATCH", "%s/campaigns/%d" % (ADMIN, j["id"]), json_body={"title": "审计列表"},
                           token=admin_token(ctx)), 200)
    owner = admin_token(ctx, "owner")
    page = ctx.expect(ctx.get("%s/audit?target_type=campaign&target_id=%d" % (ADMIN, j["id"]), token=owner), 200,
                      what="audit of one campaign")
    eq([e["action"] for e in page["items"]], ["campaign.update", "campaign.create"], "actions, newest first")
    latest = page["items"][0]
    eq([latest["before"]["title"], latest["after"]["title"]], [j["title"], "审计列表"], "before/after titles")
    eq(latest["admin_id"], _session["operator:id"], "admin_id")
    check(isinstance(latest["admin"], str) and latest["admin"].startswith("c_"), "admin name %r" % latest["admin"])
    page = ctx.expect(ctx.get(ADMIN + "/audit?limit=1", token=owner), 200, what="audit page of 1")
    eq(len(page["items"]), 1, "entries on a page of 1")
    check(page["next_cursor"], "next_cursor on a full page")
    nxt = ctx.expect(ctx.get(ADMIN + "/audit?limit=1&cursor=" + page["next_cursor"], token=owner), 200)
    check(nxt["items"][0]["id"] < page["items"][0]["id"], "the next page is older")
    ctx.expect(ctx.get(ADMIN + "/audit", token=admin_token(ctx)), 403, "forbidden", what="operator reads the audit")
    ctx.expect(ctx.get(ADMIN + "/audit?target_type=campaign", token=owner), 400, "invalid_field",
               what="target_type without target_id")


def test_racing_stock_decreases_never_go_below_zero(ctx):
    j = create(ctx, campaign_body(items=[item_body(stock=5)]))
    item_id = j["items"][0]["id"]
    token = admin_token(ctx)

    def decrease():
        return ctx.request("PATCH", "%s/items/%d" % (ADMIN, item_id), json_body={"stock_delta": -1}, token=token).status

    statuses = ctx.concurrently([decrease] * 12, what="12 racing stock decreases")
    eq(sorted(statuses), [200] * 5 + [409] * 7, "answers to 12 racing -1 on a stock of 5")
    eq(stock_row(ctx, item_id), [0, 0, 0, 0], "stock after the race")


def test_public_reads_page_the_items_of_a_large_campaign(ctx):
    # A campaign with 1,000 items: the public reads show a page of them
    # (50 by default) with items_next_cursor, never all at once.
    j = create(ctx, campaign_body(items=[item_body(name="商品 %d" % i) for i in range(3)]))
    first = j["items"][0]["id"]
    columns = [row[0] for row in ctx.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND table_name = 'campaign_item' AND column_name <> 'id' ORDER BY ordinal_position")]
    listed = ", ".join(columns)
    picked = ", ".join("CONCAT(name, ' #', s.seq)" if c == "name" else "i." + c for c in columns)
    ctx.sql("INSERT INTO campaign_item (%s) SELECT %s FROM campaign_item i JOIN seq_1_to_997 s WHERE i.id = %d"
            % (listed, picked, first))
    eq(ctx.sql_value("SELECT COUNT(*) FROM campaign_item WHERE campaign_id = %d" % j["id"]), "1000", "items stored")
    every = [int(row[0]) for row in ctx.sql("SELECT id FROM campaign_item WHERE campaign_id = %d ORDER BY id" % j["id"])]

    page = ctx.expect(ctx.get("%s/%d" % (PUBLIC, j["id"])), 200, what="first page")
    eq([i["id"] for i in page["items"]], every[:50], "the first 50 items")
    eq(page["items_next_cursor"], str(every[49]), "items_next_cursor")
    eq((page["id"], page["title"], page["status"]), (j["id"], j["title"], "active"), "the campaign's fields kept")
    seen, cursor = [], None
    while True:
        path = "%s/%d?limit=100" % (PUBLIC, j["id"]) + ("&cursor=%s" % cursor if cursor else "")
        page = ctx.expect(ctx.get(path), 200, what="a page of items")
        check(len(page["items"]) <= 100, "a page holds at most its limit")
        seen += [i["id"] for i in page["items"]]
        cursor = page["items_next_cursor"]
        if cursor is None:
            break
    eq(seen, every, "the pages add up to every item, once, in order")
    ctx.expect(ctx.get("%s/%d?limit=0" % (PUBLIC, j["id"])), 400, "invalid_field")
    ctx.expect(ctx.get("%s/%d?cursor=x" % (PUBLIC, j["id"])), 400, "invalid_field")

    listed_page = ctx.expect(ctx.get(PUBLIC + "?limit=100"), 200, what="the public list")
    mine = [c for c in listed_page["items"] if c["id"] == j["id"]]
    if not mine:  # further down the list: follow its cursor
        cursor = listed_page["next_cursor"]
        while cursor and not mine:
            listed_page = ctx.expect(ctx.get(PUBLIC + "?limit=100&cursor=" + cursor), 200)
            mine = [c for c in listed_page["items"] if c["id"] == j["id"]]
            cursor = listed_page["next_cursor"]
    eq(len(mine), 1, "the campaign is listed")
    eq([i["id"] for i in mine[0]["items"]], every[:50], "the list shows its first 50 items")
    eq(mine[0]["items_next_cursor"], str(every[49]), "and where the rest begins")
    small = [c for c in listed_page["items"] if c["id"] != j["id"] and len(c["items"]) < 50]
    check(all(c["items_next_cursor"] is None for c in small), "a campaign with few items has no items cursor")
