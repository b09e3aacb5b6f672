"""Engagement over HTTP (API.md "Engagement", issue 15): the shop-wide
settings, the new-user pack, check-in, red packets and their sweeper, the
points exchange (stock, per-shopper limits, the balance never negative,
under races), invitations (recorded at a new shopper's first login,
qualified once by the first paid order, the inviter rewarded for every N),
item share links, and the new anti-fraud scopes (check-in, exchange,
invite with its ring signature).

Settings are shop-wide: every test that changes them puts the defaults
back (engagement_defaults) so the other suites see a pack that gives
nothing."""

import calendar
import hashlib
import hmac
import time

from kanjia import check, eq
import test_orders as orders
from test_admin import admin_session
from test_fraud import Rules, marker

ORDER = 75  # after the order suites: paid orders here go through the same sandbox

SETTINGS = "/api/v1/admin/engagement"
OFFERS = "/api/v1/admin/points/offers"

DEFAULTS = {
    "new_user_pack": {"coupon_promotion_ids": [], "coupons": [], "points": 0, "red_packet_fen": 0,
                      "red_packet_days": 7},
    "checkin": {"points": [5, 5, 10, 10, 15, 15, 30], "streak_bonus": [{"days": 7, "points": 100}]},
    "invite": {"qualify": "first_paid_order", "every": 3, "reward": {"points": 100}},
}

_admin = {}


def operator(ctx):
    if "token" not in _admin:
        _admin["token"] = admin_session(ctx, "operator")["token"]
    return _admin["token"]


def put_settings(ctx, body, status=200, code=None):
    r = ctx.request("PUT", SETTINGS, json_body=body, token=operator(ctx))
    return ctx.expect(r, status, code, what="PUT settings %r" % (body,))


class engagement_defaults:
    """Puts the default settings back at the end of a with block."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        put_settings(self.ctx, DEFAULTS)
        return False


def login_with(ctx, invite_code=None, phone=None, ip=None, device=None):
    """SMS then login with an invite code; returns the answer plus the shopper's token and id."""
    if phone is not None and ctx.sql_value("SELECT COUNT(*) FROM rate_counter WHERE bucket = %s"
                                           % ctx.q("sms:gap:" + phone)) != "0":
        ctx.skip_gap(phone)
    phone = phone or ctx.new_phone()
    ip = ip or ctx.new_ip()
    ctx.send_sms(phone, ip=ip)
    body = {"phone": phone, "code": ctx.latest_code(phone)}
    if invite_code is not None:
        body["invite_code"] = invite_code
    headers = {"X-Device-Id": device} if device else None
    j = ctx.expect(ctx.post("/api/v1/auth/login", body, ip=ip, headers=headers), 200, what="login")
    ctx.secrets.add(j["token"])
    return {"token": j["token"], "id": j["user"]["id"], "ip": ip, "phone": phone, "new": j["user"]["new"]}


def shop_today():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


def give_points(ctx, user_id, points):
    ctx.sql("UPDATE shopper SET points_balance = %d WHERE id = %d" % (points, user_id))


def balance(ctx, who):
    return ctx.expect(ctx.get("/api/v1/me/points", token=who["token"]), 200, what="points")["balance"]


# ------------------------------------------------------------ settings

def test_settings_defaults_roles_and_refusals(ctx):
    with engagement_defaults(ctx):
        put_settings(ctx, DEFAULTS)
        eq(ctx.expect(ctx.get(SETTINGS, token=operator(ctx)), 200, what="GET"), DEFAULTS, "the defaults")
        fulfilment = admin_session(ctx, "fulfilment")["token"]
        ctx.expect(ctx.get(SETTINGS, token=fulfilment), 403, "forbidden")
        ctx.expect(ctx.request("PUT", SETTINGS, json_body=DEFAULTS, token=fulfilment), 403, "forbidden")
        shopper = login_with(ctx)
        ctx.expect(ctx.get(SETTINGS, token=shopper["token"]), 401)
        refused = [
            ({"checkin": {"points": []}}, "checkin.points"),
            ({"checkin": {"points": [5, -1]}}, "checkin.points[1]"),
            ({"checkin": {"streak_bonus": [{"days": 0, "points": 5}]}}, "checkin.streak_bonus[0].days"),
            ({"new_user_pack": {"points": -5}}, "new_user_pack.points"),
            ({"new_user_pack": {"red_packet_days": 0}}, "new_user_pack.red_packet_days"),
            ({"new_user_pack": {"coupons": [{"title": "", "amount_fen": 100}]}}, "new_user_pack.coupons[0].title"),
            ({"new_user_pack": {"colour": 1}}, "new_user_pack.colour"),
            ({"invite": {"every": 0}}, "invite.every"),
            ({"invite": {"qualify": "signup"}}, "invite.qualify"),
            ({"invite": {"reward": {"points": 5, "prize": "x"}}}, "invite.reward"),
            ({"invite": {"reward": {"points": 0}}}, "invite.reward.points"),
        ]
        for body, field in refused:
            j = put_settings(ctx, body, 422, "invalid_field")
            check(field in j["error"]["message"], "%r names %s: %r" % (body, field, j["error"]["message"]))
        ctx.expect(ctx.request("PUT", SETTINGS, json_body={"checkin": 5}, token=operator(ctx)), 400)
        eq(ctx.expect(ctx.get(SETTINGS, token=operator(ctx)), 200, what="GET"), DEFAULTS, "refusals store nothing")
        # keys left out keep their values
        j = put_settings(ctx, {"checkin": {"points": [1, 2, 3]}})
        eq(j["checkin"], {"points": [1, 2, 3], "streak_bonus": [{"days": 7, "points": 100}]}, "checkin")
        eq(j["invite"], DEFAULTS["invite"], "invite untouched")
        audited = ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'engagement.update'")
        check(int(audited) >= 2, "settings changes are audited")


# ------------------------------------------------------- new-user pack

def test_new_user_pack_once_per_shopper(ctx):
    with engagement_defaults(ctx):
        put_settings(ctx, {"new_user_pack": {"points": 50, "red_packet_fen": 300, "red_packet_days": 3,
                                             "coupons": [{"title": "新人券", "amount_fen": 500,
                                                          "min_spend_fen": 3000, "valid_days": 10}]}})
        who = login_with(ctx)
        eq(who["new"], True, "a new shopper")
        eq(balance(ctx, who), 50, "pack points")
        packets = ctx.expect(ctx.get("/api/v1/me/red-packets", token=who["token"]), 200, what="red packets")
        eq([(p["amount_fen"], p["source"], p["status"]) for p in packets["items"]],
           [(300, "new_user_pack", "available")], "one red packet")
        left = calendar.timegm(time.strptime(packets["items"][0]["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.time()
        check(3 * 86400 - 120 < left <= 3 * 86400 + 5, "valid three days (%d s left)" % left)
        coupons = ctx.expect(ctx.get("/api/v1/me/coupons", token=who["token"]), 200, what="coupons")["items"]
        eq([(c["title"], c["amount_fen"], c["min_spend_fen"]) for c in coupons], [("新人券", 500, 3000)], "coupon")
        # a second login is not a first one: nothing more
        again = login_with(ctx, phone=who["phone"])
        eq(again["new"], False, "known shopper")
        eq(balance(ctx, who), 50, "no second pack")
        eq(len(ctx.expect(ctx.get("/api/v1/me/red-packets", token=who["token"]), 200)["items"]), 1, "one packet")
        eq(ctx.sql_value("SELECT COUNT(*) FROM reward_grant WHERE bargain_id = 0 AND milestone = 'pack:%d'"
                         % who["id"]), "1", "one grant")
    # the defaults give nothing
    plain = login_with(ctx)
    eq(balance(ctx, plain), 0, "no pack by default")
    eq(ctx.expect(ctx.get("/api/v1/me/red-packets", token=plain["token"]), 200)["items"], [], "no packet")


# ------------------------------------------------------------- check-in

def test_checkin_once_a_day_with_streak_and_bonus(ctx):
    ctx.wait_day_boundary()
    with engagement_defaults(ctx):
        put_settings(ctx, DEFAULTS)
        who = login_with(ctx)
        j = ctx.expect(ctx.post("/api/v1/checkin", token=who["token"]), 200, what="check in")
        eq(j, {"date": shop_today(), "streak": 1, "points": 5, "bonus_points": 0}, "first check-in")
        ctx.expect(ctx.post("/api/v1/checkin", token=who["token"]), 409, "already_checked_in")
        eq(balance(ctx, who), 5, "points once")
        month = ctx.expect(ctx.get("/api/v1/me/checkin", token=who["token"]), 200, what="month")
        eq((month["streak"], month["days"], month["today"]), (1, [shop_today()], shop_today()), "calendar")
        # six days in a row before today: today is the seventh, with the bonus
        other = login_with(ctx)
        ctx.sql("INSERT INTO checkin (user_id, day, streak, points, bonus_points, created_at) VALUES "
                "(%d, DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL 1 DAY, 6, 15, 0, UTC_TIMESTAMP())"
                % other["id"])
        eq(ctx.expect(ctx.get("/api/v1/me/checkin", token=other["token"]), 200)["streak"], 6, "yesterday's streak")
        j = ctx.expect(ctx.post("/api/v1/checkin", token=other["token"]), 200, what="seventh day")
        eq((j["streak"], j["points"], j["bonus_points"]), (7, 30, 100), "day 7 with its bonus")
        ledger = ctx.expect(ctx.get("/api/v1/me/points", token=other["token"]), 200)["items"]
        eq(sorted((x["reason"], x["delta"]) for x in ledger), [("checkin", 30), ("checkin_bonus", 100)], "ledger")
        # a missed day starts again at 1
        third = login_with(ctx)
        ctx.sql("INSERT INTO checkin (user_id, day, streak, points, bonus_points, created_at) VALUES "
                "(%d, DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL 2 DAY, 5, 15, 0, UTC_TIMESTAMP())"
                % third["id"])
        eq(ctx.expect(ctx.get("/api/v1/me/checkin", token=third["token"]), 200)["streak"], 0, "broken streak")
        eq(ctx.expect(ctx.post("/api/v1/checkin", token=third["token"]), 200)["streak"], 1, "starts again")
        ctx.expect(ctx.post("/api/v1/checkin"), 401)


def test_checkin_twice_at_once_counts_once(ctx):
    ctx.wait_day_boundary()
    who = login_with(ctx)
    answers = ctx.concurrently([lambda: ctx.post("/api/v1/checkin", token=who["token"])] * 12,
                               what="12 check-ins at once")
    statuses = sorted(r.status for r in answers)
    eq(statuses, [200] + [409] * 11, "one check-in, the others already_checked_in")
    check(all(r.error_code == "already_checked_in" for r in answers if r.status == 409), "409 codes")
    eq(ctx.sql_value("SELECT COUNT(*) FROM checkin WHERE user_id = %d" % who["id"]), "1", "one row")
    eq(ctx.sql_value("SELECT COUNT(*) FROM points_ledger WHERE user_id = %d" % who["id"]), "1", "one ledger row")
    eq(balance(ctx, who), 5, "points once")


# ---------------------------------------------------------- red packets

def test_red_packets_expire_shown_and_swept(ctx):
    who = login_with(ctx)
    ctx.sql("INSERT INTO red_packet (user_id, amount_fen, source, status, created_at, expires_at) VALUES "
            "(%d, 200, 'test', 'available', UTC_TIMESTAMP() - INTERVAL 2 DAY, UTC_TIMESTAMP() - INTERVAL 1 MINUTE), "
            "(%d, 300, 'test', 'available', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 DAY)"
            % (who["id"], who["id"]))
    items = ctx.expect(ctx.get("/api/v1/me/red-packets", token=who["token"]), 200, what="list")["items"]
    eq([(p["amount_fen"], p["status"]) for p in items], [(300, "available"), (200, "expired")], "newest first")
    page = ctx.expect(ctx.get("/api/v1/me/red-packets?limit=1", token=who["token"]), 200)
    eq(len(page["items"]), 1, "limit")
    check(page["next_cursor"] is not None, "a next page")
    orders.wait_for(ctx, "SELECT status FROM red_packet WHERE user_id = %d AND amount_fen = 200" % who["id"],
                    "expired", "the sweeper expires the packet")
    eq(ctx.sql_value("SELECT status FROM red_packet WHERE user_id = %d AND amount_fen = 300" % who["id"]),
       "available", "the other stays")
    ctx.expect(ctx.get("/api/v1/me/red-packets"), 401)


# ------------------------------------------------------- points exchange

def make_offer(ctx, **fields):
    body = {"title": "兑换红包", "cost_points": 10, "stock": 5, "per_user": 0, "red_packet_fen": 100}
    body.update(fields)
    return ctx.expect(ctx.post(OFFERS, body, token=operator(ctx)), 201, what="offer")


def exchange(ctx, who, offer_id):
    return ctx.post("/api/v1/points/offers/%d/exchange" % offer_id, token=who["token"], ip=who["ip"])


def test_offers_admin_and_refusals(ctx):
    body = {"title": "兑换优惠券", "cost_points": 20, "stock": 3, "per_user": 1,
            "coupon": {"title": "5元券", "amount_fen": 500, "min_spend_fen": 1000, "valid_days": 5}}
    offer = ctx.expect(ctx.post(OFFERS, body, token=operator(ctx)), 201, what="coupon offer")
    eq((offer["kind"], offer["cost_points"], offer["stock"], offer["stock_left"], offer["per_user"], offer["active"]),
       ("coupon", 20, 3, 3, 1, True), "created")
    refused = [
        ({"title": "", "cost_points": 1, "stock": 1, "prize": "杯子"}, "title"),
        ({"title": "t", "cost_points": 0, "stock": 1, "prize": "杯子"}, "cost_points"),
        ({"title": "t", "cost_points": 1, "stock": -1, "prize": "杯子"}, "stock"),
        ({"title": "t", "cost_points": 1, "stock": 1}, "coupon"),
        ({"title": "t", "cost_points": 1, "stock": 1, "prize": "杯子", "red_packet_fen": 5}, "prize"),
        ({"title": "t", "cost_points": 1, "stock": 1, "red_packet_fen": 0}, "red_packet_fen"),
        ({"title": "t", "cost_points": 1, "stock": 1, "coupon": {"title": "x"}}, "coupon.amount_fen"),
    ]
    for bad, field in refused:
        j = ctx.expect(ctx.post(OFFERS, bad, token=operator(ctx)), 422, "invalid_field", what=repr(bad))
        check(field in j["error"]["message"], "%r names %s: %r" % (bad, field, j["error"]["message"]))
    ctx.expect(ctx.post(OFFERS, {"title": 5}, token=operator(ctx)), 400)
    ctx.expect(ctx.post(OFFERS, body, token=admin_session(ctx, "fulfilment")["token"]), 403, "forbidden")
    # PATCH: more stock, then less than was exchanged is refused
    j = ctx.expect(ctx.request("PATCH", "%s/%d" % (OFFERS, offer["id"]), json_body={"stock": 8, "cost_points": 15},
                               token=operator(ctx)), 200, what="patch")
    eq((j["stock"], j["stock_left"], j["cost_points"], j["kind"]), (8, 8, 15, "coupon"), "patched")
    ctx.expect(ctx.request("PATCH", "%s/%d" % (OFFERS, 999999999), json_body={"stock": 1}, token=operator(ctx)),
               404, "not_found")
    ctx.expect(ctx.request("PATCH", "%s/%d" % (OFFERS, offer["id"]), json_body={"per_user": -1},
                           token=operator(ctx)), 422, "invalid_field")
    listed = ctx.expect(ctx.get("/api/v1/points/offers"), 200, what="public list")["items"]
    mine = [o for o in listed if o["id"] == offer["id"]]
    eq(len(mine), 1, "listed publicly")
    check("stock" not in mine[0] and "active" not in mine[0], "public view has no admin fields")
    # exchange the coupon: the wallet has it, the limit per shopper holds
    who = login_with(ctx)
    give_points(ctx, who["id"], 100)
    j = ctx.expect(exchange(ctx, who, offer["id"]), 200, what="exchange")
    eq(j["points_balance"], 85, "balance after")
    eq((j["coupon"]["title"], j["coupon"]["amount_fen"], j["coupon"]["min_spend_fen"], j["coupon"]["status"]),
       ("兑换优惠券", 500, 1000, "available"), "coupon issued")
    ctx.expect(exchange(ctx, who, offer["id"]), 409, "limit_reached")
    coupons = ctx.expect(ctx.get("/api/v1/me/coupons", token=who["token"]), 200)["items"]
    eq([c["id"] for c in coupons], [j["coupon"]["id"]], "in the wallet")
    j = ctx.expect(ctx.request("PATCH", "%s/%d" % (OFFERS, offer["id"]), json_body={"stock": 0},
                               token=operator(ctx)), 422, "invalid_field")
    check("stock" in j["error"]["message"], "stock below what was taken")
    # inactive offers are gone for shoppers
    ctx.expect(ctx.request("PATCH", "%s/%d" % (OFFERS, offer["id"]), json_body={"active": False},
                           token=operator(ctx)), 200)
    other = login_with(ctx)
    give_points(ctx, other["id"], 100)
    ctx.expect(exchange(ctx, other, offer["id"]), 404, "not_found")
    check(all(o["id"] != offer["id"] for o in ctx.expect(ctx.get("/api/v1/points/offers"), 200)["items"]),
          "not listed")
    admin_list = ctx.expect(ctx.get(OFFERS, token=operator(ctx)), 200)["items"]
    check(any(o["id"] == offer["id"] and o["active"] is False for o in admin_list), "admins still see it")
    ctx.expect(exchange(ctx, other, 999999999), 404, "not_found")


def test_exchange_red_packet_and_prize_and_refusals(ctx):
    packet_offer = make_offer(ctx, cost_points=30, stock=1, red_packet_fen=888, red_packet_days=2)
    prize_offer = ctx.expect(ctx.post(OFFERS, {"title": "保温杯", "cost_points": 5, "stock": 10, "prize": "保温杯"},
                                      token=operator(ctx)), 201, what="prize offer")
    poor = login_with(ctx)
    give_points(ctx, poor["id"], 29)
    ctx.expect(exchange(ctx, poor, packet_offer["id"]), 409, "insufficient_points")
    eq(balance(ctx, poor), 29, "nothing taken")
    rich = login_with(ctx)
    give_points(ctx, rich["id"], 40)
    j = ctx.expect(exchange(ctx, rich, packet_offer["id"]), 200, what="red packet")
    eq((j["points_balance"], j["red_packet"]["amount_fen"], j["red_packet"]["source"], j["red_packet"]["status"]),
       (10, 888, "points_exchange", "available"), "red packet issued")
    ctx.expect(exchange(ctx, rich, packet_offer["id"]), 409, "out_of_stock")
    j = ctx.expect(exchange(ctx, rich, prize_offer["id"]), 200, what="prize")
    eq((j["points_balance"], j["prize"]["title"], j["prize"]["status"]), (5, "保温杯", "pending"), "prize issued")
    eq(ctx.sql_value("SELECT COUNT(*) FROM prize WHERE user_id = %d" % rich["id"]), "1", "prize row")
    ledger = ctx.expect(ctx.get("/api/v1/me/points", token=rich["token"]), 200)["items"]
    eq([(x["reason"], x["delta"]) for x in ledger][:2], [("points_exchange", -5), ("points_exchange", -30)], "ledger")
    ctx.expect(ctx.post("/api/v1/points/offers/%d/exchange" % prize_offer["id"]), 401)


def test_concurrent_exchanges_never_go_below_zero_and_stock_is_exact(ctx):
    # one shopper, enough points for 5, 16 exchanges at once
    offer = make_offer(ctx, cost_points=10, stock=100, per_user=0)
    who = login_with(ctx)
    give_points(ctx, who["id"], 55)
    answers = ctx.concurrently([lambda: exchange(ctx, who, offer["id"])] * 16, what="16 exchanges of one shopper")
    ok = [r for r in answers if r.status == 200]
    eq(len(ok), 5, "five exchanges paid for")
    check(all(r.status == 409 and r.error_code == "insufficient_points" for r in answers if r.status != 200),
          "the rest insufficient_points: %r" % sorted((r.status, r.error_code) for r in answers))
    eq(balance(ctx, who), 5, "balance")
    eq(ctx.sql_value("SELECT stock_left FROM points_offer WHERE id = %d" % offer["id"]), "95", "stock")
    eq(ctx.sql_value("SELECT COUNT(*) FROM points_exchange WHERE offer_id = %d" % offer["id"]), "5", "exchanges")
    eq(ctx.sql_value("SELECT COUNT(*) FROM red_packet WHERE user_id = %d" % who["id"]), "5", "red packets")
    # many shoppers against stock 7
    scarce = make_offer(ctx, cost_points=10, stock=7, per_user=1)
    crowd = [login_with(ctx) for _ in range(14)]
    for c in crowd:
        give_points(ctx, c["id"], 10)
    answers = ctx.concurrently([lambda c=c: exchange(ctx, c, scarce["id"]) for c in crowd], what="14 shoppers, stock 7")
    eq(sorted(r.status for r in answers), [200] * 7 + [409] * 7, "seven win")
    check(all(r.error_code == "out_of_stock" for r in answers if r.status == 409), "the rest out_of_stock")
    eq(ctx.sql_value("SELECT stock_left FROM points_offer WHERE id = %d" % scarce["id"]), "0", "stock exact")
    eq(ctx.sql_value("SELECT COUNT(*) FROM points_exchange WHERE offer_id = %d" % scarce["id"]), "7", "seven rows")
    eq(ctx.sql_value("SELECT MIN(points_balance) FROM shopper WHERE id IN (%s)" % ",".join(str(c["id"]) for c in crowd)),
       "0", "no balance below zero")
    # one shopper, per_user 2, 10 at once with plenty of points
    limited = make_offer(ctx, cost_points=1, stock=50, per_user=2)
    who = login_with(ctx)
    give_points(ctx, who["id"], 100)
    answers = ctx.concurrently([lambda: exchange(ctx, who, limited["id"])] * 10, what="10 exchanges, per_user 2")
    eq(sorted(r.status for r in answers), [200] * 2 + [409] * 8, "two allowed")
    check(all(r.error_code == "limit_reached" for r in answers if r.status == 409), "limit_reached")
    eq(ctx.sql_value("SELECT stock_left FROM points_offer WHERE id = %d" % limited["id"]), "48", "stock")


# ------------------------------------------------------------ invitations

def paid_order(ctx, who, item_id):
    j = orders.place(ctx, who, orders.body(item_id), expect=201).json
    p = orders.pay(ctx, who, j["id"])
    return {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": j["total_fen"], "status": "success"}


def test_invitations_recorded_qualified_and_rewarded(ctx):
    with engagement_defaults(ctx):
        put_settings(ctx, {"invite": {"every": 2, "reward": {"points": 100}}})
        inviter = login_with(ctx)
        me = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200, what="invite")
        eq((me["invited"], me["qualified"], me["rewards"]), (0, 0, []), "nothing yet")
        check(len(me["code"]) == 8 and me["url"].endswith("?invite=" + me["code"]), "code and url %r" % me)
        eq(ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)["code"], me["code"], "stable code")
        friends = [login_with(ctx, invite_code=me["code"]) for _ in range(3)]
        # an unknown code, and a known shopper's later login, record nothing
        login_with(ctx, invite_code="NoSuchCd")
        login_with(ctx, invite_code=me["code"], phone=friends[0]["phone"])
        j = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)
        eq((j["invited"], j["qualified"]), (3, 0, ), "three invited")
        _, item_id = orders.make_item(ctx, price=1000, stock=20)
        start = balance(ctx, inviter)
        # friend 0 pays twice: qualifies once
        for _ in range(2):
            ctx.expect(orders.notify(ctx, paid_order(ctx, friends[0], item_id)), 200, what="notify")
        j = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)
        eq((j["qualified"], j["rewards"]), (1, []), "one qualified, no reward before the 2nd")
        eq(balance(ctx, inviter), start, "no points yet")
        # friends 1 and 2 pay at the same moment: the 2nd qualified earns the reward, once
        payloads = [paid_order(ctx, f, item_id) for f in friends[1:]]
        answers = ctx.concurrently([lambda p=p: orders.notify(ctx, p) for p in payloads], what="two notifies")
        check(all(r.status == 200 for r in answers), "notified")
        j = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)
        eq(j["qualified"], 3, "three qualified")
        eq(len(j["rewards"]), 1, "one reward for two qualified (every 2)")
        eq(balance(ctx, inviter), start + 100, "reward points")
        eq(ctx.sql_value("SELECT COUNT(*) FROM points_ledger WHERE user_id = %d AND reason = 'invite_reward'"
                         % inviter["id"]), "1", "one ledger row")


def test_an_invitation_qualifies_once_under_racing_notifies(ctx):
    with engagement_defaults(ctx):
        put_settings(ctx, {"invite": {"every": 1, "reward": {"coupon": {"title": "邀请奖励券", "amount_fen": 300}}}})
        inviter = login_with(ctx)
        code = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)["code"]
        friend = login_with(ctx, invite_code=code)
        _, item_id = orders.make_item(ctx, price=1000, stock=20)
        payloads = [paid_order(ctx, friend, item_id) for _ in range(6)]
        answers = ctx.concurrently([lambda p=p: orders.notify(ctx, p) for p in payloads], what="six paid orders at once")
        check(all(r.status == 200 and r.json["outcome"] == "paid" for r in answers), "all paid")
        eq(ctx.sql_value("SELECT COUNT(*) FROM invitation WHERE invitee_id = %d AND qualified_at IS NOT NULL"
                         % friend["id"]), "1", "qualified")
        coupons = ctx.expect(ctx.get("/api/v1/me/coupons", token=inviter["token"]), 200)["items"]
        eq([(c["title"], c["amount_fen"]) for c in coupons], [("邀请奖励券", 300)], "one coupon")
        j = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)
        eq((j["invited"], j["qualified"], len(j["rewards"])), (1, 1, 1), "counts")
        eq(j["rewards"][0]["coupon_id"], coupons[0]["id"], "the reward names the coupon")


def test_a_blocked_inviter_gets_no_invitation_nor_reward(ctx):
    with engagement_defaults(ctx):
        put_settings(ctx, {"invite": {"every": 1, "reward": {"points": 100}}})
        inviter = login_with(ctx)
        code = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)["code"]
        friend = login_with(ctx, invite_code=code)
        ctx.sql("UPDATE shopper SET blocked = 1 WHERE id = %d" % inviter["id"])
        try:
            late = login_with(ctx, invite_code=code)
            eq(ctx.sql_value("SELECT COUNT(*) FROM invitation WHERE invitee_id = %d" % late["id"]), "0",
               "no invitation through a blocked shopper")
            _, item_id = orders.make_item(ctx, price=1000, stock=5)
            ctx.expect(orders.notify(ctx, paid_order(ctx, friend, item_id)), 200)
            eq(ctx.sql_value("SELECT COUNT(*) FROM invitation WHERE invitee_id = %d AND qualified_at IS NOT NULL"
                             % friend["id"]), "1", "the invitee still qualifies")
            eq(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % inviter["id"]), "0",
               "no reward for a blocked inviter")
        finally:
            ctx.sql("UPDATE shopper SET blocked = 0 WHERE id = %d" % inviter["id"])


# ------------------------------------------------------------- shares

def test_item_share_links(ctx):
    _, item_id = orders.make_item(ctx, price=8800, floor=5000)
    who = login_with(ctx)
    j = ctx.expect(ctx.post("/api/v1/shares", {"item_id": item_id}, token=who["token"]), 201, what="share")
    check(j["url"].endswith("/p/" + j["code"]), "url %r" % j["url"])
    eq(ctx.expect(ctx.post("/api/v1/shares", {"item_id": item_id}, token=who["token"]), 201)["code"], j["code"],
       "one link per shopper and item")
    ctx.expect(ctx.post("/api/v1/shares", {"item_id": 999999999}, token=who["token"]), 404, "not_found")
    ctx.expect(ctx.post("/api/v1/shares", {}, token=who["token"]), 400)
    ctx.expect(ctx.post("/api/v1/shares", {"item_id": item_id}), 401)
    landing = ctx.expect(ctx.get("/api/v1/p/" + j["code"]), 200, what="landing")
    eq((landing["code"], landing["item"]["id"], landing["item"]["name"], landing["item"]["original_price_fen"],
        landing["item"]["floor_price_fen"]), (j["code"], item_id, "蓝牙耳机", 8800, 5000), "item")
    masked = landing["sharer"]["phone_masked"]
    eq((masked[:3], masked[3:7], masked[7:]), (who["phone"][:3], "****", who["phone"][7:]), "sharer masked")
    ctx.expect(ctx.get("/api/v1/p/NoSuchCode1"), 404, "not_found")


# ----------------------------------------------------------- anti-fraud

def test_new_scopes_guard_checkin_exchange_and_invite_rings(ctx):
    ctx.wait_day_boundary()
    device = marker()
    with Rules(ctx) as rules:
        rules.add("device", "^%s$" % device, "block", ["checkin", "exchange"])
        who = login_with(ctx)
        headers = {"X-Device-Id": device}
        ctx.expect(ctx.request("POST", "/api/v1/checkin", token=who["token"], headers=headers), 403, "risk_rejected")
        offer = make_offer(ctx, cost_points=1, stock=3)
        give_points(ctx, who["id"], 10)
        ctx.expect(ctx.request("POST", "/api/v1/points/offers/%d/exchange" % offer["id"], token=who["token"],
                               headers=headers), 403, "risk_rejected")
        eq(ctx.sql_value("SELECT stock_left FROM points_offer WHERE id = %d" % offer["id"]), "3", "nothing taken")
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_decision d JOIN fraud_event e ON e.id = d.event_id "
                         "WHERE e.scope IN ('checkin', 'exchange') AND e.device = %s" % ctx.q(device)), "2",
           "both decisions recorded")
        ip = ctx.new_ip()
        ctx.expect(ctx.post("/api/v1/checkin", token=who["token"], ip=ip), 200, what="another device checks in")
        # the check-in took a hit of its velocity limits (fraud_checkin_limits), by its address
        check(int(ctx.sql_value("SELECT COUNT(*) FROM rate_counter WHERE bucket LIKE 'fv:checkin:ip:%%:%s'" % ip)) == 1,
              "the check-in counted against fraud_checkin_limits")
    # invite rings: the third invitee from one device is refused by a rule on the signature
    ring_device = marker()
    ctx.wait_hour_boundary()  # the velocity count below stays in one hour's window
    with Rules(ctx) as rules:
        rules.add("signature", "D{2,}$", "block", ["invite"])
        inviter = login_with(ctx)
        code = ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)["code"]
        ring = [login_with(ctx, invite_code=code, device=ring_device) for _ in range(3)]
        eq(ctx.sql("SELECT letter FROM invitation WHERE inviter_id = %d ORDER BY created_at, invitee_id"
                   % inviter["id"]), [["H"], ["D"]], "the third is refused: H, D, (D)")
        eq(ctx.sql_value("SELECT COUNT(*) FROM invitation WHERE invitee_id = %d" % ring[2]["id"]), "0",
           "no invitation for the ring's third")
        eq(ctx.expect(ctx.get("/api/v1/me/invite", token=inviter["token"]), 200)["invited"], 2, "two invited")
        # velocity buckets hold a digest of the device id (fraud_check.c)
        digest = hmac.new(b"kanjia fraud device", ring_device.encode(), hashlib.sha256).hexdigest()[:24]
        eq(ctx.sql_value("SELECT hits FROM rate_counter WHERE bucket LIKE 'fv:invite:device:%%:%s'" % digest), "2",
           "the recorded invitations counted against fraud_invite_limits")
