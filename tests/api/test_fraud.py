"""Anti-fraud over HTTP (SPEC §5, API.md's fraud routes): rule CRUD and its
refusals, block / shadow / review on every scope, a rule edit reaching the
running workers within a second, a catastrophic pattern bounded in time,
share signatures growing letter by letter, velocity limits, decisions, the
review queue, dry runs counted exactly against a seeded history, and the
default pack.

Every rule a test makes matches only that test's own traffic (a unique
User-Agent marker or phone), and is deleted when the test ends.

ORDER 65: after test_admin (60), whose seed-demo test loads the default
rule pack and unloads it again. test_default_pack loads the pack itself and
deletes its rules at the end, so the suites after this one (orders from
random phones, the browser tests with their headless Chromium) run without
them."""

import calendar
import hashlib
import json
import hmac
import os
import secrets
import time

from kanjia import check, eq
from test_admin import admin_session
from test_bargain import make_item

ORDER = 65

RULES = "/api/v1/admin/fraud/rules"
DECISIONS = "/api/v1/admin/fraud/decisions"
REVIEWS = "/api/v1/admin/fraud/reviews"
SMS = "/api/v1/auth/sms"
LOGIN = "/api/v1/auth/login"
RELOAD_S = 1.1  # a rule set change reaches every worker within a second

WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


# ------------------------------------------------------------------ helpers

_risk = {}


def risk_token(ctx):
    if "token" not in _risk:
        _risk["token"] = admin_session(ctx, "risk")["token"]
    return _risk["token"]


def marker():
    # Ends in "Z": hex could end in "a", and the seeded catastrophic pattern
    # (a+)+$ would then match the test's own values.
    return "KjFraudTest-" + secrets.token_hex(6) + "Z"


class Rules:
    """Rules made by one test, deleted at its end (with RELOAD_S to let the
    workers see it)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.ids = []

    def add(self, field, pattern, action, scope, note=None, wait=True):
        body = {"field": field, "pattern": pattern, "action": action, "scope": scope}
        if note is not None:
            body["note"] = note
        r = self.ctx.post(RULES, body, token=risk_token(self.ctx))
        j = self.ctx.expect(r, 201, what="create rule")
        self.ids.append(j["id"])
        if wait:
            time.sleep(RELOAD_S)
        return j

    def patch(self, rule_id, body, wait=True):
        r = self.ctx.request("PATCH", "%s/%d" % (RULES, rule_id), json_body=body, token=risk_token(self.ctx))
        j = self.ctx.expect(r, 200, what="patch rule")
        if wait:
            time.sleep(RELOAD_S)
        return j

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for rule_id in self.ids:
            self.ctx.request("DELETE", "%s/%d" % (RULES, rule_id), token=risk_token(self.ctx), checked=False)
        if self.ids:
            time.sleep(RELOAD_S)
        return False


def lit(text):
    """A SQL string literal for test-made text (no quotes or backslashes in it)."""
    check("'" not in text and "\\" not in text, "unsafe literal %r" % text)
    return "'" + text + "'"


def normal_phone(ctx):
    """A phone no default-pack rule looks at (13x, 15x, 18x, 19x)."""
    while True:
        phone = ctx.new_phone()
        if phone[1] in "3589":
            return phone


def virtual_phone(ctx):
    with ctx._lock:
        while True:
            phone = "170%08d" % ctx._rng.randrange(10 ** 8)
            if phone not in ctx._phones:
                ctx._phones.add(phone)
                ctx.secrets.add(phone)
                return phone


def subnet_ip(prefix=None):
    """A random 10.x.y.z, or one in prefix ("10.1.2")."""
    if prefix is None:
        prefix = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    return "%s.%d" % (prefix, 1 + secrets.randbelow(250))


def prefix_of(ip):
    return ip.rsplit(".", 1)[0]


def shopper(ctx, phone=None, ip=None):
    j = ctx.login(phone or normal_phone(ctx), ip=ip)
    return {"token": j["token"], "id": j["user"]["id"], "phone": j["phone"], "ip": ip or ctx.new_ip()}


def start(ctx, who, item_id):
    r = ctx.post("/api/v1/bargains", {"item_id": item_id}, token=who["token"], ip=who["ip"])
    return ctx.expect(r, 201, what="start a bargain")


def help_(ctx, who, code, ua=WECHAT, device=None, ip=None):
    headers = {"User-Agent": ua}
    if device:
        headers["X-Device-Id"] = device
    return ctx.post("/api/v1/s/%s/help" % code, token=who["token"], ip=ip or who["ip"], headers=headers)


def price(ctx, bargain_id):
    return int(ctx.sql_value("SELECT current_price_fen FROM bargain WHERE id = %d" % bargain_id))


def cut_rows(ctx, bargain_id):
    return int(ctx.sql_value("SELECT COUNT(*) FROM bargain_cut WHERE bargain_id = %d" % bargain_id))


def decisions(ctx, rule_id):
    r = ctx.get("%s?rule_id=%d&limit=100" % (DECISIONS, rule_id), token=risk_token(ctx))
    return ctx.expect(r, 200, what="decisions")["items"]


def age_bargain(ctx, bargain_id, seconds=3600):
    """Moves a bargain's start and cuts back, so the next help is not fast."""
    ctx.sql("UPDATE bargain SET started_at = started_at - INTERVAL %d SECOND WHERE id = %d" % (seconds, bargain_id))
    ctx.sql("UPDATE bargain_cut SET created_at = created_at - INTERVAL %d SECOND WHERE bargain_id = %d"
            % (seconds, bargain_id))


def age_account(ctx, user_id, days=2):
    ctx.sql("UPDATE shopper SET created_at = created_at - INTERVAL %d DAY WHERE id = %d" % (days, user_id))


# ------------------------------------------------------- rules: refusals

def test_rule_refusals(ctx):
    token = risk_token(ctx)
    good = {"field": "user_agent", "pattern": "x", "action": "block", "scope": ["sms"]}

    # A pattern PCRE2 refuses: 422 with its message and the offset.
    r = ctx.post(RULES, dict(good, pattern="abc(def"), token=token)
    j = ctx.expect(r, 422, "invalid_pattern", what="unclosed group")
    eq(j["error"]["offset"], 7, "offset of the unclosed group")
    check("missing closing parenthesis" in j["error"]["pcre2_message"], "PCRE2's message: %r" % j["error"])
    check("7" in j["error"]["message"], "the message names the offset: %r" % j["error"]["message"])
    j = ctx.expect(ctx.post(RULES, dict(good, pattern="a\\Cb"), token=token), 422, "invalid_pattern", what="\\C")
    eq(j["error"]["offset"], 3, "offset of \\C")
    j = ctx.expect(ctx.post(RULES, dict(good, pattern="a" * 1001), token=token), 422, "invalid_pattern",
                   what="a pattern over 1000 bytes")
    eq(j["error"]["offset"], 1000, "offset of an over-long pattern")
    ctx.expect(ctx.post(RULES, dict(good, pattern="(" * 60 + ")" * 60), token=token), 422, "invalid_pattern",
               what="parentheses nested too deep")
    # Fields, actions and scopes outside the lists; unknown keys; wrong types.
    for bad in (dict(good, field="cookie"), dict(good, action="allow"), dict(good, scope=[]),
                dict(good, scope=["sms", "sms"]), dict(good, scope=["checkout"]), dict(good, scope="sms"),
                dict(good, scope=[1]), dict(good, enabled="yes"), dict(good, note="n" * 201), dict(good, pattern="")):
        ctx.expect(ctx.post(RULES, bad, token=token), 400, what="refused rule %r" % bad)
    ctx.expect(ctx.post(RULES, dict(good, priority=1), token=token), 400, "unknown_field")
    missing = dict(good)
    del missing["scope"]
    ctx.expect(ctx.post(RULES, missing, token=token), 400, "missing_field")
    # Roles: risk (or owner) only; shoppers never.
    operator = admin_session(ctx, "operator")["token"]
    ctx.expect(ctx.post(RULES, good, token=operator), 403, "forbidden")
    ctx.expect(ctx.get(RULES, token=operator), 403, "forbidden")
    ctx.expect(ctx.get(DECISIONS, token=operator), 403, "forbidden")
    ctx.expect(ctx.get(RULES, token=ctx.login()["token"]), 401, "unauthorized")
    ctx.expect(ctx.get(RULES), 401, "unauthorized")
    eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_rule WHERE pattern = 'abc(def'"), "0", "rules stored by refusals")


def test_rule_crud_and_audit(ctx):
    token = risk_token(ctx)
    version = int(ctx.sql_value("SELECT version FROM fraud_state"))
    r = ctx.post(RULES, {"field": "phone", "pattern": "^1709", "action": "review", "scope": ["order", "help"],
                         "note": "测试规则"}, token=token)
    rule = ctx.expect(r, 201, what="create")
    try:
        eq(rule["scope"], ["help", "order"], "scope, in the contract's order")
        eq((rule["field"], rule["pattern"], rule["action"], rule["enabled"], rule["note"], rule["limit_hits"]),
           ("phone", "^1709", "review", True, "测试规则", 0), "created rule")
        check(int(ctx.sql_value("SELECT version FROM fraud_state")) > version, "fraud_state.version raised")
        listed = []
        cursor = None
        while True:
            page = ctx.expect(ctx.get(RULES + "?limit=100" + ("&cursor=" + cursor if cursor else ""), token=token), 200)
            listed += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        check(any(x["id"] == rule["id"] for x in listed), "the rule is listed")
        path = "%s/%d" % (RULES, rule["id"])
        j = ctx.expect(ctx.request("PATCH", path, json_body={"enabled": False, "note": None}, token=token), 200)
        eq((j["enabled"], j["note"], j["pattern"]), (False, None, "^1709"), "patched rule")
        ctx.expect(ctx.request("PATCH", path, json_body={"pattern": "(("}, token=token), 422, "invalid_pattern")
        eq(ctx.sql_value("SELECT pattern FROM fraud_rule WHERE id = %d" % rule["id"]), "^1709", "pattern after a refusal")
        ctx.expect(ctx.request("PATCH", path, json_body={"scope": ["sms", "bogus"]}, token=token), 400, "invalid_field")
        ctx.expect(ctx.request("DELETE", path, token=token), 204)
        ctx.expect(ctx.request("DELETE", path, token=token), 404, "not_found")
        ctx.expect(ctx.request("PATCH", path, json_body={"enabled": True}, token=token), 404, "not_found")
        actions = [row[0] for row in ctx.sql("SELECT action FROM audit_log WHERE target_type = 'fraud_rule' "
                                             "AND target_id = %d ORDER BY id" % rule["id"])]
        eq(actions, ["fraud_rule.create", "fraud_rule.update", "fraud_rule.delete"], "audit trail")
    finally:
        ctx.request("DELETE", "%s/%d" % (RULES, rule["id"]), token=token, checked=False)


# ------------------------------------------------------------- actions

def test_block_on_every_scope(ctx):
    ua = marker()
    _, item_id = make_item(ctx)
    alice = shopper(ctx)
    b = start(ctx, alice, item_id)
    bob = shopper(ctx)
    before = price(ctx, b["id"])
    opens = int(ctx.sql_value("SELECT COUNT(*) FROM share_open WHERE bargain_id = %d" % b["id"]))
    with Rules(ctx) as rules:
        rule = rules.add("user_agent", "^" + ua + "$", "block", ["sms", "login", "help", "share_open"])
        phone = normal_phone(ctx)
        r = ctx.post(SMS, {"phone": phone}, headers={"User-Agent": ua})
        ctx.expect(r, 403, "risk_rejected", what="blocked SMS")
        check(str(rule["id"]) not in r.body.decode() and ua not in r.body.decode(), "the refusal names the rule")
        eq(ctx.outbox(phone), [], "outbox after a blocked send")
        ctx.expect(ctx.post(SMS, {"phone": phone}), 202, what="the same phone without the marker")
        code = ctx.latest_code(phone)
        r = ctx.post(LOGIN, {"phone": phone, "code": code}, headers={"User-Agent": ua})
        ctx.expect(r, 403, "risk_rejected", what="blocked login")
        eq(ctx.sql_value("SELECT used_at FROM sms_code WHERE phone = %s ORDER BY id DESC LIMIT 1" % ctx.q(phone)),
           None, "the code is not spent by a blocked login")
        r = help_(ctx, bob, b["share_code"], ua=ua)
        ctx.expect(r, 403, "risk_rejected", what="blocked help")
        help_request_id = r.header("X-Request-Id")
        eq(price(ctx, b["id"]), before, "price after a blocked help")
        eq(cut_rows(ctx, b["id"]), 0, "cuts after a blocked help")
        r = ctx.get("/api/v1/s/%s" % b["share_code"], headers={"User-Agent": ua})
        ctx.expect(r, 403, "risk_rejected", what="blocked share open")
        ctx.wait_share_flush()
        eq(int(ctx.sql_value("SELECT COUNT(*) FROM share_open WHERE bargain_id = %d" % b["id"])), opens,
           "opens after a blocked open")
        # The decisions: one per blocked request, with the request id.
        items = decisions(ctx, rule["id"])
        eq(sorted(x["scope"] for x in items), ["help", "login", "share_open", "sms"], "decision scopes")
        check(all(x["action"] == "block" and x["field"] == "user_agent" and x["value"] == ua for x in items),
              "decision fields: %r" % items)
        check(any(x["request_id"] == help_request_id and x["bargain_id"] == b["id"] for x in items),
              "the help's decision carries its request id and bargain")
        listed = ctx.expect(ctx.get(RULES + "?limit=100&cursor=%d" % (rule["id"] - 1), token=risk_token(ctx)), 200)
        eq(listed["items"][0]["hits_24h"], 4, "hits_24h of the rule")
        # Every one of them was recorded as an event too.
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE user_agent = %s AND action = 'block'" % lit(ua)),
           "4", "block events")
        # Without the marker everything goes through.
        ctx.expect(help_(ctx, bob, b["share_code"]), 200, what="help without the marker")


def test_shadow_on_every_scope(ctx):
    ua = marker()
    _, item_id = make_item(ctx, price=50000, floor=30000, cut_min=100, cut_max=5000)
    alice = shopper(ctx)
    b = start(ctx, alice, item_id)
    bob = shopper(ctx)
    before = price(ctx, b["id"])
    opens = int(ctx.sql_value("SELECT COUNT(*) FROM share_open WHERE bargain_id = %d" % b["id"]))
    with Rules(ctx) as rules:
        rule = rules.add("user_agent", ua, "shadow", ["sms", "login", "help", "share_open"])
        # SMS: 202 as always, nothing sent or stored.
        phone = normal_phone(ctx)
        j = ctx.expect(ctx.post(SMS, {"phone": phone}, headers={"User-Agent": ua}), 202, what="shadowed SMS")
        eq(j, {"resend_after_s": ctx.sms_gap_s}, "shadowed SMS answer")
        eq(ctx.outbox(phone), [], "outbox after a shadowed send")
        eq(ctx.sql_value("SELECT COUNT(*) FROM sms_code WHERE phone = %s" % ctx.q(phone)), "0", "codes stored")
        # Login: a token of the right shape that works nowhere; no account.
        j = ctx.expect(ctx.post(LOGIN, {"phone": phone, "code": "123456"}, headers={"User-Agent": ua}), 200,
                       what="shadowed login")
        eq(j["user"]["phone_masked"], phone[:3] + "****" + phone[7:], "masked phone")
        eq(j["token"].count("."), 2, "token shape")
        ctx.expect(ctx.get("/api/v1/me", token=j["token"]), 401, "unauthorized", what="the shadow token")
        eq(ctx.sql_value("SELECT COUNT(*) FROM shopper WHERE phone = %s" % ctx.q(phone)), "0", "shadow accounts")
        # Help: 200 with a believable cut, the price untouched, nothing issued.
        coupons = ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d" % bob["id"])
        for _ in range(2):
            r = help_(ctx, bob, b["share_code"], ua=ua)
            j = ctx.expect(r, 200, what="shadowed help")
            check(100 <= j["cut_fen"] <= 5000, "shadow cut %r within the item's range" % j["cut_fen"])
            eq(j["bargain"]["current_price_fen"], before - j["cut_fen"], "the price shown")
            eq(j["reward"], None, "reward of a shadowed help")
            eq(price(ctx, b["id"]), before, "the stored price")
        eq(cut_rows(ctx, b["id"]), 0, "cut rows after shadowed helps")
        eq(ctx.sql_value("SELECT helpers FROM bargain WHERE id = %d" % b["id"]), "0", "helpers")
        eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE user_id = %d" % bob["id"]), coupons, "helper coupons")
        eq(ctx.sql_value("SELECT signature FROM bargain WHERE id = %d" % b["id"]), "", "signature")
        # Share open: shown, not counted.
        j = ctx.expect(ctx.get("/api/v1/s/%s" % b["share_code"], headers={"User-Agent": ua}), 200, what="open")
        eq(j["id"], b["id"], "landing of a shadowed open")
        ctx.wait_share_flush()
        eq(int(ctx.sql_value("SELECT COUNT(*) FROM share_open WHERE bargain_id = %d" % b["id"])), opens,
           "opens counted")
        eq(sorted(set(x["scope"] for x in decisions(ctx, rule["id"]))), ["help", "login", "share_open", "sms"],
           "shadow decisions")
        # A real help afterwards still works, from the bargain's true price.
        j = ctx.expect(help_(ctx, bob, b["share_code"]), 200, what="real help")
        eq(price(ctx, b["id"]), before - j["cut_fen"], "price after the real help")


def test_review_holds_the_bargain_until_released_or_rejected(ctx):
    ua = marker()
    campaign_id, item_id = make_item(ctx, price=10000, floor=9000, cut_min=1000, cut_max=1000, rewards={})
    token = risk_token(ctx)
    with Rules(ctx) as rules:
        rule = rules.add("user_agent", ua, "review", ["sms", "login", "help", "share_open"])
        # SMS, login and share opens under review simply go through (logged).
        phone = normal_phone(ctx)
        ctx.expect(ctx.post(SMS, {"phone": phone}, headers={"User-Agent": ua}), 202, what="SMS under review")
        r = ctx.post(LOGIN, {"phone": phone, "code": ctx.latest_code(phone)}, headers={"User-Agent": ua})
        alice = {"token": ctx.expect(r, 200, what="login under review")["token"], "ip": ctx.new_ip()}
        ctx.secrets.add(alice["token"])
        b = start(ctx, alice, item_id)
        ctx.expect(ctx.get("/api/v1/s/%s" % b["share_code"], headers={"User-Agent": ua}), 200, what="open")
        # A help under review cuts for real and holds the bargain.
        bob = shopper(ctx)
        j = ctx.expect(help_(ctx, bob, b["share_code"], ua=ua), 200, what="help under review")
        eq(j["cut_fen"], 1000, "the real cut")
        eq(j["bargain"]["status"], "succeeded", "the floor is reached")
        eq(ctx.sql("SELECT held, status FROM bargain WHERE id = %d" % b["id"])[0], ["1", "succeeded"], "held")
        eq(sorted(set(x["scope"] for x in decisions(ctx, rule["id"]))), ["help", "login", "share_open", "sms"],
           "review decisions")
        # Held: not ranked.
        board = ctx.expect(ctx.get("/api/v1/campaigns/%d/leaderboard" % campaign_id), 200)["items"]
        eq(board, [], "leaderboard while held")
        queue = ctx.expect(ctx.get(REVIEWS + "?limit=100", token=token), 200)["items"]
        mine = [x for x in queue if x["kind"] == "bargain" and x["target_id"] == b["id"]]
        eq(len(mine), 1, "review queue entries for the bargain")
        review = mine[0]
        eq((review["status"], review["bargain"]["held"], review["bargain"]["status"]), ("pending", True, "succeeded"),
           "queued review")
        check(review["decision_id"] is not None, "the review names its decision")
        # Release: no longer held, ranked; a second release is refused.
        j = ctx.expect(ctx.post("%s/%d/release" % (REVIEWS, review["id"]), token=token), 200, what="release")
        eq((j["status"], j["bargain"]["held"]), ("released", False), "released review")
        ctx.expect(ctx.post("%s/%d/release" % (REVIEWS, review["id"]), token=token), 409, "review_closed")
        ctx.expect(ctx.post("%s/%d/reject" % (REVIEWS, review["id"]), token=token), 409, "review_closed")
        board = ctx.expect(ctx.get("/api/v1/campaigns/%d/leaderboard" % campaign_id), 200)["items"]
        eq([x["bargain_id"] for x in board], [b["id"]], "leaderboard after the release")
        # Reject: another held bargain is closed.
        carol = shopper(ctx)
        b2 = start(ctx, carol, item_id)
        dave = shopper(ctx)
        ctx.expect(help_(ctx, dave, b2["share_code"], ua=ua), 200, what="second help under review")
        queue = ctx.expect(ctx.get(REVIEWS, token=token), 200)["items"]
        review2 = [x for x in queue if x["target_id"] == b2["id"]][0]
        j = ctx.expect(ctx.post("%s/%d/reject" % (REVIEWS, review2["id"]), token=token), 200, what="reject")
        eq((j["status"], j["bargain"]["status"]), ("rejected", "expired"), "rejected review")
        eq(ctx.sql("SELECT status, open_slot FROM bargain WHERE id = %d" % b2["id"])[0], ["expired", None],
           "closed bargain")
        ctx.expect(ctx.post("%s/999999999/release" % REVIEWS, token=token), 404, "not_found")
        # A released bargain that draws another review decision is held and
        # queued again.
        _, roomy = make_item(ctx, price=10000, floor=5000, cut_min=1000, cut_max=1000, rewards={})
        b3 = start(ctx, shopper(ctx), roomy)
        ctx.expect(help_(ctx, shopper(ctx), b3["share_code"], ua=ua), 200, what="third bargain's first help")
        review3 = [x for x in ctx.expect(ctx.get(REVIEWS, token=token), 200)["items"] if x["target_id"] == b3["id"]][0]
        ctx.expect(ctx.post("%s/%d/release" % (REVIEWS, review3["id"]), token=token), 200, what="release b3")
        eq(ctx.sql_value("SELECT held FROM bargain WHERE id = %d" % b3["id"]), "0", "b3 released")
        ctx.expect(help_(ctx, shopper(ctx), b3["share_code"], ua=ua), 200, what="third bargain's second help")
        eq(ctx.sql_value("SELECT held FROM bargain WHERE id = %d" % b3["id"]), "1", "b3 held again")
        again = [x for x in ctx.expect(ctx.get(REVIEWS, token=token), 200)["items"] if x["target_id"] == b3["id"]]
        eq([(x["id"], x["status"], x["resolved_at"]) for x in again], [(review3["id"], "pending", None)],
           "b3 queued again")
        eq([row[0] for row in ctx.sql("SELECT action FROM audit_log WHERE target_type = 'fraud_review' AND target_id "
                                      "IN (%d, %d) ORDER BY id" % (review["id"], review2["id"]))],
           ["fraud_review.release", "fraud_review.reject"], "audit of the reviews")


# ------------------------------------------------------------- reloads

def test_rule_edit_reaches_running_workers_without_restart(ctx):
    # "Every worker": requests go in bursts until each worker pid of the
    # pool has answered (the pool's log names the pid per request id), and
    # every answer of every worker must show the rule's effect.
    ua = marker()
    pids = ctx.worker_pids()
    check(len(pids) >= 2, "a pool of workers")

    def send():
        return ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": ua})

    def on_every_worker(expected, what):
        served = ctx.every_worker(send, what)
        eq({pid: sorted({r.status for r in got}) for pid, got in served.items()},
           {pid: [expected] for pid in served}, what + ": statuses per worker")
        return sum(len(got) for got in served.values())

    on_every_worker(202, "before the rule")
    with Rules(ctx) as rules:
        started = time.monotonic()
        rule = rules.add("user_agent", ua, "block", ["sms"], wait=False)
        # Every worker sees it within a second.
        time.sleep(max(0.0, RELOAD_S - (time.monotonic() - started)))
        blocked = on_every_worker(403, "after the rule")
        rules.patch(rule["id"], {"enabled": False})
        on_every_worker(202, "after disabling it")
        rules.patch(rule["id"], {"enabled": True, "action": "shadow"})
        shadowed = on_every_worker(202, "as shadow")
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE user_agent = %s AND action = 'shadow'" % lit(ua)),
           str(shadowed), "shadowed sends")
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE user_agent = %s AND action = 'block'" % lit(ua)),
           str(blocked), "blocked sends")
    eq(ctx.worker_pids(), pids, "the same workers throughout (no restart)")


def test_catastrophic_pattern_is_bounded_in_time(ctx):
    with Rules(ctx) as rules:
        rule = rules.add("user_agent", "(a+)+$", "block", ["sms"])
        # 30 KB of User-Agent straight to the pool (nginx refuses such
        # headers): cut to 1024 bytes, matched under the limits.
        agent = ("a" * 999 + "!") * 30
        phone = normal_phone(ctx)
        body = ('{"phone": "%s"}' % phone).encode()
        params = ctx.fastcgi_params("POST", SMS, ip=ctx.new_ip(), CONTENT_TYPE="application/json",
                                    CONTENT_LENGTH=str(len(body)), HTTP_USER_AGENT=agent)
        started = time.monotonic()
        status, _, answer = ctx.fastcgi(params, stdin=body)
        elapsed = time.monotonic() - started
        eq(status, 202, "a limit hit is no match: %r" % answer[:200])
        check(elapsed < 1.0, "the request took %.2f s" % elapsed)
        eq(len(ctx.outbox(phone)), 1, "the SMS went out")
        # The sweeper adds the worker's limit hits to the rule.
        deadline = time.monotonic() + 3 * int(ctx.conf.get("sweep_interval_s", "30")) + 2
        while int(ctx.sql_value("SELECT limit_hits FROM fraud_rule WHERE id = %d" % rule["id"])) < 1:
            check(time.monotonic() < deadline, "limit_hits counted on the rule")
            time.sleep(0.2)
        eq(ctx.sql_value("SELECT LENGTH(user_agent) FROM fraud_event WHERE phone = %s" % ctx.q(phone)), "1024",
           "the recorded User-Agent is cut to 1024 bytes")
        with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
            check("rule %d hit a match limit" % rule["id"] in f.read(), "the limit hit is logged")
        # Through nginx too, with an agent nginx passes: bounded as well.
        agent = "a" * 999 + "!"
        started = time.monotonic()
        r = ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": agent})
        ctx.expect(r, 202, what="through nginx")
        check(time.monotonic() - started < 1.0, "through nginx it took too long")


def test_hostile_field_values(ctx):
    ua = marker()
    with Rules(ctx) as rules:
        rule = rules.add("user_agent", ua + " ?$", "block", ["sms"])
        # Invalid UTF-8 around the marker: matched, recorded as bytes, no 500.
        agent = b"\xff\xfe\xc3\x28 \xe6\x89" + ua.encode()
        phone = normal_phone(ctx)
        body = ('{"phone": "%s"}' % phone).encode()
        params = ctx.fastcgi_params("POST", SMS, ip=ctx.new_ip(), CONTENT_TYPE="application/json",
                                    CONTENT_LENGTH=str(len(body)))
        params["HTTP_USER_AGENT"] = agent.decode("latin-1")
        status, _, answer = ctx.fastcgi(_latin1_params(params), stdin=body)
        eq(status, 403, "invalid UTF-8 around the marker: %r" % answer[:200])
        eq(ctx.sql_value("SELECT HEX(user_agent) FROM fraud_event WHERE phone = %s" % ctx.q(phone)),
           agent.hex().upper(), "the agent as recorded")
        items = decisions(ctx, rule["id"])
        eq(len(items), 1, "decisions")
        check("\ufffd" in items[0]["value"] and ua in items[0]["value"], "the shown value: %r" % items[0]["value"])
        # An empty agent and a device id of control bytes are fine too.
        ctx.expect(ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": "", "X-Device-Id": "\x01\x02"}),
                   202, what="odd headers")


def _latin1_params(params):
    """kanjia.Context.fastcgi encodes with UTF-8; send these bytes as they are."""
    class Raw(str):
        def encode(self, *a, **k):
            return str.encode(self, "latin-1")
    return {Raw(k): Raw(v) for k, v in params.items()}


# ------------------------------------------------------------ signatures

def test_signature_grows_letter_by_letter(ctx):
    _, item_id = make_item(ctx, price=100000, floor=10000, cut_min=100, cut_max=200, rewards={})
    home = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    alice = shopper(ctx, ip=subnet_ip(home))
    b = start(ctx, alice, item_id)
    expected = ""

    def helped(letter, who, ua=WECHAT, device=None, ip=None, fast=False):
        nonlocal expected
        if not fast:
            age_bargain(ctx, b["id"])
        r = help_(ctx, who, b["share_code"], ua=ua, device=device, ip=ip)
        ctx.expect(r, 200, what="help for %s" % letter)
        expected += letter
        eq(ctx.sql_value("SELECT signature FROM bargain WHERE id = %d" % b["id"]), expected, "signature")
        eq(ctx.sql_value("SELECT signature FROM fraud_event WHERE bargain_id = %d AND scope = 'help' "
                         "ORDER BY id DESC LIMIT 1" % b["id"]), expected, "the signature the rules saw")

    # S: from the initiator's /24.
    h1 = shopper(ctx, ip=subnet_ip(home))
    helped("S", h1)
    # N: a new account from a new /24, not fast.
    away = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    h2 = shopper(ctx, ip=subnet_ip(away))
    helped("N", h2)
    # P: from the previous helper's /24, not the initiator's.
    h3 = shopper(ctx, ip=subnet_ip(away))
    helped("P", h3)
    # V: a virtual-operator number.
    h4 = shopper(ctx, phone=virtual_phone(ctx))
    helped("V", h4)
    # B: not WeChat's browser.
    h5 = shopper(ctx)
    helped("B", h5, ua=BROWSER)
    # F: right after the previous help.
    h6 = shopper(ctx)
    helped("F", h6, fast=True)
    # N: a new account, not fast.
    h7 = shopper(ctx)
    helped("N", h7)
    # H: an old account, nothing else.
    h8 = shopper(ctx)
    age_account(ctx, h8["id"])
    device = "dev-" + secrets.token_hex(6)
    helped("H", h8, device=device)
    # D: the device of an earlier helper.
    h9 = shopper(ctx)
    age_account(ctx, h9["id"])
    helped("D", h9, device=device)
    eq(expected, "SNPVBFNHD", "the whole signature")
    # The initiator's own device counts too.
    _, item2 = make_item(ctx, rewards={})
    owner_device = "dev-" + secrets.token_hex(6)
    r = ctx.post("/api/v1/bargains", {"item_id": item2}, token=alice["token"], ip=alice["ip"],
                 headers={"X-Device-Id": owner_device})
    b2 = ctx.expect(r, 201, what="start with a device")
    age_bargain(ctx, b2["id"])
    ctx.expect(help_(ctx, h9, b2["share_code"], device=owner_device), 200)
    eq(ctx.sql_value("SELECT signature FROM bargain WHERE id = %d" % b2["id"]), "D", "initiator's device")


def test_signature_rule_blocks_the_third_help_from_the_initiators_subnet(ctx):
    _, item_id = make_item(ctx, rewards={})
    home = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    alice = shopper(ctx, ip=subnet_ip(home))
    b = start(ctx, alice, item_id)
    with Rules(ctx) as rules:
        rule = rules.add("signature", "S{3,}", "block", ["help"])
        helpers = [shopper(ctx, ip=subnet_ip(home)) for _ in range(3)]
        ctx.expect(help_(ctx, helpers[0], b["share_code"]), 200, what="1st S")
        ctx.expect(help_(ctx, helpers[1], b["share_code"]), 200, what="2nd S")
        before = price(ctx, b["id"])
        ctx.expect(help_(ctx, helpers[2], b["share_code"]), 403, "risk_rejected", what="3rd S")
        eq(price(ctx, b["id"]), before, "price after the blocked 3rd")
        eq(ctx.sql_value("SELECT signature FROM bargain WHERE id = %d" % b["id"]), "SS", "stored signature")
        items = decisions(ctx, rule["id"])
        eq([(x["field"], x["value"]) for x in items], [("signature", "SSS")], "the decision shows the signature")
        # A helper from elsewhere still helps.
        ctx.expect(help_(ctx, shopper(ctx), b["share_code"]), 200, what="a helper from another subnet")


# --------------------------------------------------------------- velocity

def _hour_start():
    now = int(time.time())
    return now - now % 3600


def _fill(ctx, bucket, hits):
    ctx.sql("INSERT INTO rate_counter (bucket, window_start, hits) VALUES (%s, %d, %d) "
            "ON DUPLICATE KEY UPDATE window_start = VALUES(window_start), hits = VALUES(hits)"
            % (lit(bucket), _hour_start(), hits))


def counter(ctx, bucket):
    value = ctx.sql_value("SELECT hits FROM rate_counter WHERE bucket = %s" % lit(bucket))
    return None if value is None else int(value)


def _device_key(device):
    return hmac.new(b"kanjia fraud device", device.encode(), hashlib.sha256).hexdigest()[:24]


def _limits(ctx, key, default):
    text = ctx.conf.get(key, default)
    limits = {}
    for item in text.replace(",", " ").split():
        dimension, rest = item.split(":")
        count, window = rest.split("/")
        limits[dimension] = (int(count), window)
    return limits


def test_velocity_limits(ctx):
    ctx.wait_hour_boundary(margin=60)
    help_limits = _limits(ctx, "fraud_help_limits", "ip:30/1h subnet:20/1h device:20/1h")
    sms_limits = _limits(ctx, "fraud_sms_limits", "subnet:300/1h device:20/1h")
    login_limits = _limits(ctx, "fraud_login_limits", "ip:60/1h subnet:300/1h device:30/1h")
    check(help_limits["subnet"][1] == "1h" and sms_limits["device"][1] == "1h", "hourly windows configured")

    # Help: one /24 may help subnet-max times an hour.
    _, item_id = make_item(ctx, rewards={})
    b = start(ctx, shopper(ctx), item_id)
    crowd = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    bucket = "fv:help:subnet:3600:%s.0/24" % crowd
    _fill(ctx, bucket, help_limits["subnet"][0] - 1)
    ctx.expect(help_(ctx, shopper(ctx), b["share_code"], ip=subnet_ip(crowd)), 200, what="the last allowed help")
    eq(counter(ctx, bucket), help_limits["subnet"][0], "subnet counter")
    before = price(ctx, b["id"])
    r = help_(ctx, shopper(ctx), b["share_code"], ip=subnet_ip(crowd))
    ctx.expect(r, 429, "rate_limited", what="one help too many from the /24")
    check(1 <= int(r.header("Retry-After") or 0) <= 3600, "Retry-After %r" % r.header("Retry-After"))
    eq(price(ctx, b["id"]), before, "price after the refused help")
    eq(counter(ctx, bucket), help_limits["subnet"][0], "subnet counter after the refusal")
    ctx.expect(help_(ctx, shopper(ctx), b["share_code"]), 200, what="a help from another /24")

    # SMS: per device (header or cookie).
    device = "dev-" + secrets.token_hex(6)
    bucket = "fv:sms:device:3600:" + _device_key(device)
    _fill(ctx, bucket, sms_limits["device"][0])
    r = ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"X-Device-Id": device})
    ctx.expect(r, 429, "rate_limited", what="SMS from a busy device")
    r = ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"Cookie": "a=1; kj_device=" + device})
    ctx.expect(r, 429, "rate_limited", what="SMS from a busy device (cookie)")
    ctx.expect(ctx.post(SMS, {"phone": normal_phone(ctx)}), 202, what="SMS without that device")

    # Login: per IP; a refused login spends no code.
    ip = ctx.new_ip()
    phone = normal_phone(ctx)
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    _fill(ctx, "fv:login:ip:3600:" + ip, login_limits["ip"][0])
    ctx.expect(ctx.post(LOGIN, {"phone": phone, "code": code}, ip=ip), 429, "rate_limited", what="busy IP")
    r = ctx.post(LOGIN, {"phone": phone, "code": code}, ip=ctx.new_ip())
    ctx.secrets.add(ctx.expect(r, 200, what="the same code from another IP")["token"])


def test_velocity_counts_racing_helps_exactly(ctx):
    ctx.wait_hour_boundary(margin=60)
    limit = _limits(ctx, "fraud_help_limits", "ip:30/1h subnet:20/1h device:20/1h")["subnet"][0]
    _, item_id = make_item(ctx, price=100000, floor=10000, cut_min=100, cut_max=100, rewards={})
    b = start(ctx, shopper(ctx), item_id)
    crowd = "10.%d.%d" % (secrets.randbelow(256), secrets.randbelow(256))
    bucket = "fv:help:subnet:3600:%s.0/24" % crowd
    _fill(ctx, bucket, limit - 3)
    helpers = [shopper(ctx) for _ in range(8)]
    results = [r.status for r in ctx.concurrently(
        [(lambda who=who: help_(ctx, who, b["share_code"], ip=subnet_ip(crowd))) for who in helpers],
        what="8 helps racing for the last 3 of a subnet's limit")]
    eq(sorted(results).count(200), 3, "helps let through among %r" % results)
    eq(sorted(results).count(429), 5, "helps refused among %r" % results)
    eq(counter(ctx, bucket), limit, "the counter")
    eq(cut_rows(ctx, b["id"]), 3, "cuts")


# --------------------------------------------------------------- dry run

def test_dry_run_counts_exactly_against_a_seeded_history(ctx):
    token = risk_token(ctx)
    bot = marker()
    # A whole UTC day 3 to 20 days ago (nothing live is recorded there; the
    # sweeper keeps 35 days).
    today = int(time.time()) - int(time.time()) % 86400
    day = time.strftime("%Y-%m-%d", time.gmtime(today - (3 + secrets.randbelow(18)) * 86400))
    base = 900000000 + secrets.randbelow(1000) * 1000

    def event(at, scope, ua, bargain=None, phone=None, action="allow"):
        ctx.sql("INSERT INTO fraud_event (created_at, scope, action, bargain_id, phone, client_ip, user_agent, "
                "referer, share_code, device, signature, request_id) VALUES ('%s', '%s', '%s', %s, %s, '10.0.0.1', "
                "%s, '', NULL, '', NULL, 'seed')" % (at, scope, action, "NULL" if bargain is None else bargain,
                                                     "NULL" if phone is None else ctx.q(phone), lit(ua)))

    # Inside [day 00:00, day+1 00:00): 7 helps by the bot on 3 bargains, 2
    # SMS by it, 5 helps by others; outside: one the second before, one at
    # the end (excluded), one a day later.
    # Whatever other tests left in that day (an exact count, not a floor).
    help_before = int(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE created_at >= '%s' AND created_at < "
                                    "TIMESTAMP('%s') + INTERVAL 1 DAY AND scope = 'help'" % (day, day)))
    device_before = int(ctx.sql_value(
        "SELECT COUNT(*) FROM fraud_event WHERE created_at >= '%s' AND created_at < TIMESTAMP('%s') + INTERVAL 1 DAY "
        "AND scope = 'help' AND device = ''" % (day, day)))
    event(day + " 00:00:00", "help", bot + "/1", bargain=base + 1)
    for i in range(6):
        event(day + " %02d:10:00" % (i + 1), "help", bot + "/2", bargain=base + 1 + i % 3)
    event(day + " 12:00:00", "sms", bot + "/1", phone="13800001111")
    event(day + " 13:00:00", "sms", bot + "/1", phone="13800002222", action="block")
    for i in range(5):  # " (x)": a hex marker may end in "a", and (a+)+$ below must match nothing
        event(day + " 14:%02d:00" % i, "help", "Mozilla/5.0 " + bot.lower() + " (x)", bargain=base + 7)
    ctx.sql("INSERT INTO fraud_event (created_at, scope, action, bargain_id, user_agent, request_id) VALUES "
            "(TIMESTAMP('%s') - INTERVAL 1 SECOND, 'help', 'allow', %d, %s, 'seed'), "
            "(TIMESTAMP('%s') + INTERVAL 1 DAY, 'help', 'allow', %d, %s, 'seed'), "
            "(TIMESTAMP('%s') + INTERVAL 2 DAY, 'help', 'allow', %d, %s, 'seed')"
            % (day, base + 8, lit(bot), day, base + 8, lit(bot), day, base + 8, lit(bot)))
    day_start = calendar.timegm(time.strptime(day, "%Y-%m-%d"))
    window = {"from": day + "T00:00:00Z", "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(day_start + 86400))}

    def dry(**body):
        full = {"field": "user_agent", "pattern": "^" + bot, "action": "block", "scope": ["help"]}
        full.update(window)
        full.update(body)
        return ctx.expect(ctx.post(RULES + "/dry-run", full, token=token), 200, what="dry run %r" % body)

    def recorded(scopes):
        return int(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE created_at >= '%s' AND created_at < "
                                 "TIMESTAMP('%s') + INTERVAL 1 DAY AND scope IN (%s)"
                                 % (day, day, ", ".join("'%s'" % x for x in scopes))))

    j = dry()
    eq((j["requests"], j["bargains"], j["scanned"], j["limit_hits"], j["complete"]),
       (7, 3, recorded(["help"]), 0, True), "help dry run")
    eq(j["scanned"], help_before + 12, "scanned: the 12 seeded helps inside the day, and what was there")
    eq(len(j["sample"]), 7, "sample size")
    check(all(x["value"].startswith(bot) and x["scope"] == "help" for x in j["sample"]), "sample: %r" % j["sample"])
    j = dry(scope=["help", "sms"], sample=2)
    eq((j["requests"], j["bargains"], j["scanned"]), (9, 3, recorded(["help", "sms"])), "help and SMS dry run")
    eq(len(j["sample"]), 2, "a smaller sample")
    j = dry(pattern="(?i)" + bot)
    eq((j["requests"], j["bargains"]), (12, 4), "case-insensitive")
    j = dry(field="phone", pattern="^138", scope=["sms"])
    eq((j["requests"], j["bargains"]), (2, 0), "phones")
    eq(sorted(x["value"] for x in j["sample"]), ["138****1111", "138****2222"], "phones are masked in the sample")
    check("13800001111" not in json_text(j), "a full phone in a dry run")
    # An empty value is a value ("" recorded as the rules saw it); an
    # unknown one (NULL) is skipped, as the rules skip it.
    j = dry(field="device", pattern="^$")
    eq(j["requests"], int(ctx.sql_value(
        "SELECT COUNT(*) FROM fraud_event WHERE created_at >= '%s' AND created_at < TIMESTAMP('%s') + INTERVAL 1 DAY "
        "AND scope = 'help' AND device = ''" % (day, day))), "empty devices")
    eq(j["requests"], device_before + 12, "the 12 seeded helps have an empty device")
    j = dry(pattern="(a+)+$")
    eq(j["requests"], 0, "nothing matches")
    # Refusals.
    base_body = {"field": "user_agent", "pattern": "x", "scope": ["help"]}
    base_body.update(window)
    ctx.expect(ctx.post(RULES + "/dry-run", dict(base_body, pattern="(x"), token=token), 422, "invalid_pattern")
    ctx.expect(ctx.post(RULES + "/dry-run", dict(base_body, to=window["from"]), token=token), 400, "invalid_field")
    ctx.expect(ctx.post(RULES + "/dry-run", dict(base_body, to="2030-01-01T00:00:00Z"), token=token), 400,
               "invalid_field")
    ctx.expect(ctx.post(RULES + "/dry-run", dict(base_body, **{"from": "yesterday"}), token=token), 400,
               "invalid_field")
    eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_rule WHERE pattern = %s" % lit("^" + bot)), "0",
       "a dry run stores no rule")


def json_text(value):
    return json.dumps(value, ensure_ascii=False)


def test_decisions_mask_phones(ctx):
    phone = normal_phone(ctx)
    with Rules(ctx) as rules:
        rule = rules.add("phone", "^%s$" % phone, "block", ["sms"])
        r = ctx.post(SMS, {"phone": phone})
        ctx.expect(r, 403, "risk_rejected")
        listing = ctx.get("%s?rule_id=%d" % (DECISIONS, rule["id"]), token=risk_token(ctx))
        items = ctx.expect(listing, 200)["items"]
        eq([(x["value"], x["action"], x["scope"]) for x in items], [(phone[:3] + "****" + phone[7:], "block", "sms")],
           "decision")
        eq(items[0]["request_id"], r.header("X-Request-Id"), "request id")
        check(phone not in listing.body.decode(), "the full phone in the decision list")
        ctx.expect(ctx.get(DECISIONS + "?action=allow", token=risk_token(ctx)), 400, "invalid_field")
        page = ctx.expect(ctx.get(DECISIONS + "?action=block&limit=1", token=risk_token(ctx)), 200)
        eq(len(page["items"]), 1, "a page of one")
        check(page["next_cursor"] is not None, "a next page")


# ------------------------------------------------------------ default pack

def test_default_pack(ctx):
    token = risk_token(ctx)
    eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_rule WHERE pack = 'default'"), "0", "pack rules before the test")
    pack_size = len(json.load(open(os.path.join(ctx.repo or os.path.join(os.path.dirname(__file__), "..", ".."),
                                                "sql", "fraud_pack.json"), encoding="utf-8"))["rules"])
    try:
        # From the first request on, whatever happens, the finally below
        # unloads the pack: a failure here must not leave its rules to
        # the suites after this one.
        r = ctx.post(RULES + "/pack", token=token)
        first = ctx.expect(r, 200, what="load the pack")
        eq((first["loaded"], first["skipped"]), (pack_size, 0), "the first load: every rule of sql/fraud_pack.json")
        again = ctx.expect(ctx.post(RULES + "/pack", token=token), 200, what="load it again")
        eq((again["loaded"], again["skipped"]), (0, pack_size), "a second load skips them all")
        pack_ids = [int(row[0]) for row in ctx.sql("SELECT id FROM fraud_rule WHERE pack = 'default'")]
        eq(len(pack_ids), pack_size, "the pack's rules in the table")
        time.sleep(RELOAD_S)
        # Test traffic (no User-Agent, random 10.x addresses) still goes through.
        session = ctx.login(normal_phone(ctx))
        ctx.secrets.add(session["token"])
        # HTTP libraries are refused.
        ctx.expect(ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": "curl/8.4.0"}), 403,
                   "risk_rejected", what="curl")
        ctx.expect(ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": "python-requests/2.31"}), 403,
                   "risk_rejected", what="python-requests")
        ctx.expect(ctx.post(SMS, {"phone": normal_phone(ctx)}, headers={"User-Agent": BROWSER}), 202, what="browser")
        # Malformed share codes: refused; a well-formed unknown one: 404.
        ctx.expect(ctx.get("/api/v1/s/abc"), 403, "risk_rejected", what="malformed code")
        ctx.expect(ctx.get("/api/v1/s/" + "A" * 16), 404, "not_found", what="well-formed unknown code")
        # A virtual-operator helper: the help goes through, the bargain is held.
        _, item_id = make_item(ctx, rewards={})
        b = start(ctx, shopper(ctx), item_id)
        ctx.expect(help_(ctx, shopper(ctx, phone=virtual_phone(ctx)), b["share_code"]), 200, what="170 helper")
        eq(ctx.sql_value("SELECT held FROM bargain WHERE id = %d" % b["id"]), "1", "held after a 170 helper")
        # A headless browser's help is shadowed.
        before = price(ctx, b["id"])
        headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0"
        j = ctx.expect(help_(ctx, shopper(ctx), b["share_code"], ua=headless), 200, what="headless help")
        check(j["cut_fen"] > 0, "a believable cut")
        eq(price(ctx, b["id"]), before, "price after a headless help")
    finally:
        # Leave the instance as the suites after this one expect it: every
        # rule of the pack now in the table, however far the test got.
        for row in ctx.sql("SELECT id FROM fraud_rule WHERE pack = 'default'"):
            ctx.request("DELETE", "%s/%d" % (RULES, int(row[0])), token=token, checked=False)
        time.sleep(RELOAD_S)
    eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_rule WHERE pack = 'default'"), "0", "pack rules left")
