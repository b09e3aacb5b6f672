"""The admin console's API (issue 7): campaign stats checked exactly against
counts over the raw event tables after a scripted campaign, the daily
report as JSON and as CSV (parsed back), orders (list, filters, ship,
refund with and without stock back), prizes to fulfil, users (search, full
phone only for owners, block that works at once), token renewal, the cut
plan preview, admin accounts, roles on every new route, and the audit log
of every write."""

import csv
import io
import time

from kanjia import check, eq
from test_admin import admin_session, jwt_payload
from test_orders import ADDRESS, new_key, notify, pay

ORDER = 65

A = "/api/v1/admin"


# ------------------------------------------------------------------ helpers

def iso(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def local_today(ctx):
    return ctx.sql_value("SELECT DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)")  # the test stack's zone: Asia/Shanghai


def shopper(ctx):
    j = ctx.login()
    return {"token": j["token"], "id": j["user"]["id"], "ip": ctx.new_ip(), "phone": j["phone"]}


_owner = {}


def owner(ctx):
    if "token" not in _owner:
        _owner.update(admin_session(ctx, "owner"))
    return _owner["token"]


def create_campaign(ctx, token, title="后台测试砍价节", stock=20):
    body = {
        "title": title, "starts_at": iso(-3600), "ends_at": iso(86400 * 3),
        "items": [
            {"name": "恰好三刀的手表", "images": [], "original_price_fen": 30000, "floor_price_fen": 27000,
             "stock": stock, "rules": {"cut_min_fen": 500, "cut_max_fen": 2000, "target_cuts": 3,
                                       "helps_per_user_per_day": 10}},
            {"name": "随机砍的耳机", "images": [], "original_price_fen": 20000, "floor_price_fen": 10000,
             "stock": stock, "rules": {"cut_min_fen": 100, "cut_max_fen": 300, "helps_per_user_per_day": 10}},
        ],
    }
    j = ctx.expect(ctx.post(A + "/campaigns", body, token=token), 201, what="create campaign")
    return j["id"], [item["id"] for item in j["items"]]


def start(ctx, who, item_id):
    r = ctx.post("/api/v1/bargains", {"item_id": item_id}, token=who["token"], ip=who["ip"])
    return ctx.expect(r, 201, what="start bargain")


def place_plain(ctx, who, item_id, qty=1):
    r = ctx.post("/api/v1/orders", {"lines": [{"item_id": item_id, "qty": qty}], "address": dict(ADDRESS)},
                 token=who["token"], ip=who["ip"], headers={"Idempotency-Key": new_key()})
    return ctx.expect(r, 201, what="order")


def pay_now(ctx, who, order_id):
    p = pay(ctx, who, order_id)
    r = notify(ctx, {"payment_id": p["payment_id"], "order_id": order_id, "amount_fen": p["amount_fen"],
                     "status": "success"})
    eq(ctx.expect(r, 200, what="notify")["outcome"], "paid", "notify outcome")


def check_stock_with_refunds(ctx, item_id, total):
    """left + reserved + sold = total; sold is what was paid and kept, plus
    what was refunded after it shipped (those goods are gone)."""
    left, reserved, sold, stock_total = [int(x) for x in ctx.sql(
        "SELECT stock_left, stock_reserved, stock_sold, stock_total FROM campaign_item WHERE id = %d" % item_id)[0]]
    eq(stock_total, total, "stock_total")
    eq(left + reserved + sold, total, "left + reserved + sold")
    kept = int(ctx.sql_value("SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
                             "WHERE l.item_id = %d AND (o.status IN ('paid', 'shipped', 'completed') "
                             "OR (o.status = 'refunded' AND o.shipped_at IS NOT NULL))" % item_id))
    pending = int(ctx.sql_value("SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
                                "WHERE l.item_id = %d AND o.status = 'pending_payment'" % item_id))
    eq((sold, reserved), (kept, pending), "sold and reserved vs the orders")


def raw_counts(ctx, campaign_id):
    """Every counter of the stats, counted over the event tables."""
    c = campaign_id
    one = lambda q: int(ctx.sql_value(q % {"c": c}) or 0)  # noqa: E731
    return {
        "participants": one("SELECT COUNT(DISTINCT user_id) FROM bargain WHERE campaign_id = %(c)d"),
        "bargains_started": one("SELECT COUNT(*) FROM bargain WHERE campaign_id = %(c)d"),
        "self_cuts": one("SELECT COUNT(*) FROM bargain_cut WHERE campaign_id = %(c)d AND kind = 'self'"),
        "helps": one("SELECT COUNT(*) FROM bargain_cut WHERE campaign_id = %(c)d AND kind = 'help'"),
        "share_opens": one("SELECT COALESCE(SUM(opens), 0) FROM share_open WHERE campaign_id = %(c)d"),
        "succeeded": one("SELECT COUNT(*) FROM bargain WHERE campaign_id = %(c)d AND succeeded_at IS NOT NULL"),
        "orders": one("SELECT COUNT(*) FROM orders WHERE campaign_id = %(c)d"),
        "cancelled": one("SELECT COUNT(*) FROM orders WHERE campaign_id = %(c)d AND cancelled_at IS NOT NULL"),
        "paid": one("SELECT COUNT(*) FROM orders WHERE campaign_id = %(c)d AND paid_at IS NOT NULL"),
        "paid_fen": one("SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE campaign_id = %(c)d AND paid_at IS NOT NULL"),
        "subsidy_fen": one("SELECT COALESCE(SUM(subtotal_fen - total_fen), 0) FROM orders WHERE campaign_id = %(c)d "
                           "AND paid_at IS NOT NULL"),
        "shipped": one("SELECT COUNT(*) FROM orders WHERE campaign_id = %(c)d AND shipped_at IS NOT NULL"),
        "refunded": one("SELECT COUNT(*) FROM orders WHERE campaign_id = %(c)d AND refunded_at IS NOT NULL"),
        "refunded_fen": one("SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE campaign_id = %(c)d "
                            "AND refunded_at IS NOT NULL"),
        "share_visitors": one("SELECT COUNT(*) FROM share_open WHERE campaign_id = %(c)d"),
    }


def raw_item_counts(ctx, item_id):
    one = lambda q: int(ctx.sql_value(q % {"i": item_id}) or 0)  # noqa: E731
    return {
        "bargains_started": one("SELECT COUNT(*) FROM bargain WHERE item_id = %(i)d"),
        "self_cuts": one("SELECT COUNT(*) FROM bargain_cut k JOIN bargain b ON b.id = k.bargain_id "
                         "WHERE b.item_id = %(i)d AND k.kind = 'self'"),
        "helps": one("SELECT COUNT(*) FROM bargain_cut k JOIN bargain b ON b.id = k.bargain_id "
                     "WHERE b.item_id = %(i)d AND k.kind = 'help'"),
        "share_opens": one("SELECT COALESCE(SUM(o.opens), 0) FROM share_open o JOIN bargain b ON b.id = o.bargain_id "
                           "WHERE b.item_id = %(i)d"),
        "share_visitors": one("SELECT COUNT(*) FROM share_open o JOIN bargain b ON b.id = o.bargain_id "
                              "WHERE b.item_id = %(i)d"),
        "succeeded": one("SELECT COUNT(*) FROM bargain WHERE item_id = %(i)d AND succeeded_at IS NOT NULL"),
    }


# The scripted campaign, shared by the tests below (made once).
_campaign = {}


def scripted_campaign(ctx):
    """N shoppers start bargains on two items, self-cut, share; M helps by
    friends; K orders, some paid, some cancelled, one shipped, one
    refunded before and one after shipping. Returns the state."""
    if _campaign:
        return _campaign
    # The tests that read it check "today's" rows: the whole module, built
    # from here, must not straddle the shop's day boundary (16:00 UTC).
    ctx.wait_day_boundary(margin=300)
    token = owner(ctx)
    campaign_id, (exact_item, range_item) = create_campaign(ctx, token)
    initiators = [shopper(ctx) for _ in range(4)]
    helpers = [shopper(ctx) for _ in range(5)]
    bargains = []
    for i, who in enumerate(initiators):
        item = exact_item if i % 2 == 0 else range_item
        b = start(ctx, who, item)
        bargains.append((who, b))
        # a second start on the same item answers the open one: not counted again
        ctx.expect(ctx.post("/api/v1/bargains", {"item_id": item}, token=who["token"], ip=who["ip"]), 200,
                   what="second start")
    # the first initiator also starts on the other item: one participant, two bargains
    bargains.append((initiators[0], start(ctx, initiators[0], range_item)))
    # self-cuts: one each
    for who, b in bargains:
        ctx.expect(ctx.post("/api/v1/bargains/%d/cut" % b["id"], token=who["token"], ip=who["ip"]), 200,
                   what="self-cut")
    # share opens: 3 per bargain, plus a re-poll with the ETag (not an open)
    for _, b in bargains:
        for _ in range(3):
            r = ctx.get("/api/v1/s/%s" % b["share_code"])
            ctx.expect(r, 200, what="landing")
        ctx.expect(ctx.get("/api/v1/s/%s" % b["share_code"], headers={"If-None-Match": r.header("ETag")}), 304,
                   what="landing re-poll")
    # helps: every helper helps every bargain once; exact bargains close after 3 cuts (410 after)
    helps = 0
    for helper in helpers:
        for _, b in bargains:
            r = ctx.post("/api/v1/s/%s/help" % b["share_code"], token=helper["token"], ip=helper["ip"])
            check(r.status in (200, 410), "help: %s" % r.short())
            helps += r.status == 200
    # a repeated help is refused and counts nothing
    r = ctx.post("/api/v1/s/%s/help" % bargains[1][1]["share_code"], token=helpers[0]["token"], ip=helpers[0]["ip"])
    ctx.expect(r, 409, "already_helped")
    # The oracle, from the items the test made: an exact bargain succeeds on
    # its 3rd cut (the self-cut and 2 helps), a range one never reaches its
    # floor (at most 6 cuts of 300 fen against 10000): 2 x 2 + 3 x 5 helps.
    eq(helps, 2 * 2 + 3 * 5, "helps made")

    # orders: five plain orders by the helpers; two paid and kept, one paid and
    # refunded (stock back), one paid, shipped then refunded, one cancelled; plus
    # one that stays pending
    buyer = helpers
    o = [place_plain(ctx, buyer[i], range_item) for i in range(5)]
    pending = place_plain(ctx, buyer[0], exact_item)
    for i in range(4):
        pay_now(ctx, buyer[i], o[i]["id"])
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o[4]["id"], token=buyer[4]["token"], ip=buyer[4]["ip"]), 200,
               what="cancel")
    _campaign.update(campaign_id=campaign_id, items=(exact_item, range_item), initiators=initiators,
                     helpers=helpers, bargains=bargains, orders=o, pending=pending, token=token)
    return _campaign


def stats(ctx, campaign_id, token=None):
    r = ctx.get(A + "/campaigns/%d/stats" % campaign_id, token=token or owner(ctx))
    return ctx.expect(r, 200, what="stats")


def check_stats_exact(ctx, campaign_id, items):
    ctx.wait_share_flush()
    s = stats(ctx, campaign_id)
    raw = raw_counts(ctx, campaign_id)
    for name, value in raw.items():
        eq(s[name], value, "stats %s vs the raw events" % name)
    by_id = {item["id"]: item for item in s["items"]}
    for item_id in items:
        for name, value in raw_item_counts(ctx, item_id).items():
            eq(by_id[item_id][name], value, "item %d %s vs the raw events" % (item_id, name))
        left, reserved, sold, total = [int(x) for x in ctx.sql(
            "SELECT stock_left, stock_reserved, stock_sold, stock_total FROM campaign_item WHERE id = %d" % item_id)[0]]
        eq((by_id[item_id]["stock_left"], by_id[item_id]["stock_reserved"], by_id[item_id]["stock_sold"],
            by_id[item_id]["stock_total"]), (left, reserved, sold, total), "item %d stock" % item_id)
    return s, raw


# -------------------------------------------------------------------- stats

def test_stats_equal_the_raw_events_after_a_scripted_campaign(ctx):
    c = scripted_campaign(ctx)
    s, raw = check_stats_exact(ctx, c["campaign_id"], c["items"])
    eq(raw["participants"], 4, "participants (one shopper with two bargains counts once)")
    eq(raw["bargains_started"], 5, "bargains")
    eq(raw["self_cuts"], 5, "self-cuts")
    eq(raw["share_opens"], 15, "share opens (a 304 re-poll is not one)")
    eq((raw["orders"], raw["paid"], raw["cancelled"]), (6, 4, 1), "orders, paid, cancelled")
    eq(raw["succeeded"], 2, "bargains at the floor: the two exact ones, no range one")
    # helps per hour: this hour's bar holds them all
    eq(sum(h["helps"] for h in s["hourly"]), raw["helps"], "hourly helps add up")
    eq(len(s["hourly"]), 48, "48 hours")


def test_stats_follow_ship_and_refunds(ctx):
    c = scripted_campaign(ctx)
    token = c["token"]
    o = c["orders"]
    exact_item, range_item = c["items"]
    before = [int(x) for x in ctx.sql("SELECT stock_left, stock_sold FROM campaign_item WHERE id = %d" % range_item)[0]]
    # ship order 1, then refund it (shipped: no stock back); refund order 2 while paid (stock back)
    j = ctx.expect(ctx.post(A + "/orders/%d/ship" % o[1]["id"], {"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
                            token=token), 200, what="ship")
    eq((j["status"], j["carrier"], j["tracking_no"]), ("shipped", "顺丰速运", "SF1234567890"), "shipped order")
    ctx.expect(ctx.post(A + "/orders/%d/ship" % o[1]["id"], {"carrier": "顺丰速运", "tracking_no": "SF1234567890"},
                        token=token), 409, "invalid_state")
    j = ctx.expect(ctx.post(A + "/orders/%d/refund" % o[1]["id"], {"reason": "客户拒收"}, token=token), 200,
                   what="refund shipped")
    eq((j["status"], j["restocked"]), ("refunded", False), "refund after shipping")
    j = ctx.expect(ctx.post(A + "/orders/%d/refund" % o[2]["id"], token=token), 200, what="refund paid")
    eq((j["status"], j["restocked"]), ("refunded", True), "refund before shipping")
    ctx.expect(ctx.post(A + "/orders/%d/refund" % o[2]["id"], token=token), 409, "invalid_state")
    ctx.expect(ctx.post(A + "/orders/%d/refund" % o[4]["id"], token=token), 409, "invalid_state")  # cancelled
    ctx.expect(ctx.post(A + "/orders/%d/ship" % c["pending"]["id"], {"carrier": "EMS", "tracking_no": "E12345"},
                        token=token), 409, "invalid_state")
    ctx.expect(ctx.post(A + "/orders/999999999/refund", token=token), 404, "not_found")
    after = [int(x) for x in ctx.sql("SELECT stock_left, stock_sold FROM campaign_item WHERE id = %d" % range_item)[0]]
    eq((after[0] - before[0], before[1] - after[1]), (1, 1), "one unit back in stock, from sold")
    check_stock_with_refunds(ctx, range_item, 20)
    eq(ctx.sql_value("SELECT status FROM payment WHERE order_id = %d AND status <> 'created'" % o[2]["id"]), "refunded",
       "the payment is marked refunded")
    eq(ctx.sql_value("SELECT COUNT(*) FROM points_ledger WHERE order_id = %d AND reason = 'order_refunded'"
                     % o[2]["id"]), "1", "the points go back once")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id = %d AND actor = 'admin'" % o[1]["id"]), "2",
       "ship and refund are order events")
    s, raw = check_stats_exact(ctx, c["campaign_id"], c["items"])
    eq((raw["shipped"], raw["refunded"]), (1, 2), "shipped, refunded")
    eq(s["refunded_fen"], o[1]["total_fen"] + o[2]["total_fen"], "refunded amount")


def test_stats_of_unknown_campaign_and_unauthenticated(ctx):
    ctx.expect(ctx.get(A + "/campaigns/999999999/stats", token=owner(ctx)), 404, "not_found")
    ctx.expect(ctx.get(A + "/campaigns/1/stats"), 401, "unauthorized")
    who = shopper(ctx)
    ctx.expect(ctx.get(A + "/campaigns/1/stats", token=who["token"]), 401, "unauthorized")


# ------------------------------------------------------------- daily report

def test_daily_report_json_and_csv(ctx):
    c = scripted_campaign(ctx)
    token = c["token"]
    today = local_today(ctx)
    q = "/reports/daily?from=%s&to=%s&campaign_id=%d" % (today, today, c["campaign_id"])
    j = ctx.expect(ctx.get(A + q, token=token), 200, what="report")
    eq(j["timezone"], "Asia/Shanghai", "time zone")
    eq(len(j["items"]), 1, "one row: one campaign, one day")
    row = j["items"][0]
    eq((row["date"], row["campaign_id"], row["title"]), (today, c["campaign_id"], "后台测试砍价节"), "row keys")
    s = stats(ctx, c["campaign_id"])
    for name in raw_counts(ctx, c["campaign_id"]):
        eq(row[name], s[name], "report %s vs stats" % name)

    r = ctx.get(A + q, token=token, headers={"Accept": "text/csv"})
    eq(r.status, 200, "csv status")
    check((r.header("Content-Type") or "").startswith("text/csv"), "csv content type %r" % r.header("Content-Type"))
    check("attachment" in (r.header("Content-Disposition") or ""), "csv is a download")
    check(r.body.startswith(b"\xef\xbb\xbf"), "csv starts with a UTF-8 BOM")
    rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"), newline="")))
    eq(len(rows), 2, "header and one row")
    eq(rows[0][:3], ["日期", "活动ID", "活动名称"], "csv header")
    data = rows[1]
    eq((data[0], int(data[1]), data[2]), (today, c["campaign_id"], "后台测试砍价节"), "csv keys")
    names = list(raw_counts(ctx, c["campaign_id"]).keys())
    for i, name in enumerate(names):
        cell = data[3 + i]
        value = round(float(cell) * 100) if name.endswith("_fen") else int(cell)
        eq(value, row[name], "csv %s" % name)

    # all campaigns, and ?format=csv for a plain link
    j = ctx.expect(ctx.get(A + "/reports/daily?from=%s&to=%s" % (today, today), token=token), 200, what="report all")
    check(any(x["campaign_id"] == c["campaign_id"] for x in j["items"]), "the campaign is in the full report")
    r = ctx.get(A + "/reports/daily?from=%s&to=%s&format=csv" % (today, today), token=token)
    check(r.status == 200 and r.body.startswith(b"\xef\xbb\xbf"), "format=csv")
    for bad in ("from=2026-13-01&to=2026-12-01", "from=2026-12-02&to=2026-12-01", "from=x&to=y",
                "from=2020-01-01&to=2026-01-01", "to=2026-01-01", "from=2026-02-30&to=2026-03-01"):
        ctx.expect(ctx.get(A + "/reports/daily?" + bad, token=token), 400, "invalid_field")


def test_csv_defuses_formulas_and_quotes(ctx):
    token = owner(ctx)
    ctx.wait_day_boundary()
    campaign_id, items = create_campaign(ctx, token, title='=HYPERLINK("x"),"引号"')
    who = shopper(ctx)
    start(ctx, who, items[0])
    today = local_today(ctx)
    r = ctx.get(A + "/reports/daily?from=%s&to=%s&campaign_id=%d" % (today, today, campaign_id), token=token,
                headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"), newline="")))
    eq(rows[1][2], "'=HYPERLINK(\"x\"),\"引号\"", "a formula title is text, its quotes kept")


# -------------------------------------------------------------------- orders

def test_order_list_filters_and_phone_visibility(ctx):
    c = scripted_campaign(ctx)
    token = c["token"]
    j = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&limit=100" % c["campaign_id"], token=token), 200, what="orders")
    eq(len(j["items"]), 6, "all the campaign's orders")
    ids = [x["id"] for x in j["items"]]
    eq(ids, sorted(ids, reverse=True), "newest first")
    check(all(x["lines"] and x["campaign_title"] == "后台测试砍价节" for x in j["items"]), "lines and title")
    j = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&status=pending_payment" % c["campaign_id"], token=token), 200,
                   what="pending")
    eq([x["id"] for x in j["items"]], [c["pending"]["id"]], "filter by status")
    buyer = c["helpers"][0]
    j = ctx.expect(ctx.get(A + "/orders?phone=%s" % buyer["phone"], token=token), 200, what="by phone")
    check(j["items"] and all(x["user_id"] == buyer["id"] or x["address"]["phone"] == buyer["phone"]
                             for x in j["items"]), "filter by phone")
    eq(j["items"][0]["user_phone"], buyer["phone"], "owner sees the full number")
    today = local_today(ctx)
    j = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&from=%s&to=%s" % (c["campaign_id"], today, today), token=token),
                   200, what="by date")
    eq(len(j["items"]), 6, "today's orders")
    j = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&from=2001-01-01&to=2001-01-02" % c["campaign_id"],
                           token=token), 200, what="old dates")
    eq(j["items"], [], "no orders in 2001")
    # paging
    p1 = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&limit=4" % c["campaign_id"], token=token), 200, what="page 1")
    check(p1["next_cursor"], "a next page")
    p2 = ctx.expect(ctx.get(A + "/orders?campaign_id=%d&limit=4&cursor=%s" % (c["campaign_id"], p1["next_cursor"]),
                            token=token), 200, what="page 2")
    eq([x["id"] for x in p1["items"] + p2["items"]], ids, "two pages make the list")
    # an operator sees masked numbers and no street address
    op = admin_session(ctx, "operator")
    j = ctx.expect(ctx.get(A + "/orders?phone=%s" % buyer["phone"], token=op["token"]), 200, what="operator orders")
    first = j["items"][0]
    check("****" in first["user_phone"] and "****" in first["address"]["phone"], "masked for an operator")
    check("detail" not in first["address"], "no street for an operator")
    for bad in ("status=lost", "campaign_id=x", "from=2026-1-1", "phone=123"):
        ctx.expect(ctx.get(A + "/orders?" + bad, token=token), 400, what=bad)


def test_roles_on_the_console_routes(ctx):
    c = scripted_campaign(ctx)
    o = c["orders"]
    op, ful, risk = admin_session(ctx, "operator"), admin_session(ctx, "fulfilment"), admin_session(ctx, "risk")
    # an operator cannot refund, ship, fulfil, block, or manage admins
    ctx.expect(ctx.post(A + "/orders/%d/refund" % o[0]["id"], token=op["token"]), 403, "forbidden")
    ctx.expect(ctx.post(A + "/orders/%d/ship" % o[0]["id"], {"carrier": "EMS", "tracking_no": "E12345"},
                        token=op["token"]), 403, "forbidden")
    ctx.expect(ctx.post(A + "/users/1/block", token=op["token"]), 403, "forbidden")
    ctx.expect(ctx.get(A + "/admins", token=op["token"]), 403, "forbidden")
    # fulfilment cannot edit fraud rules, campaigns or preview cut plans; it ships
    rule = {"field": "user_agent", "pattern": "curl", "action": "block", "scope": ["help"]}
    ctx.expect(ctx.post(A + "/fraud/rules", rule, token=ful["token"]), 403, "forbidden")
    ctx.expect(ctx.post(A + "/campaigns", {"title": "x"}, token=ful["token"]), 403, "forbidden")
    ctx.expect(ctx.post(A + "/cut-plan/preview", {}, token=ful["token"]), 403, "forbidden")
    ctx.expect(ctx.post(A + "/admins", {"username": "x", "password": "0123456789", "roles": ["owner"]},
                        token=ful["token"]), 403, "forbidden")
    j = ctx.expect(ctx.post(A + "/orders/%d/ship" % o[0]["id"], {"carrier": "中通快递", "tracking_no": "ZT20261130"},
                            token=ful["token"]), 200, what="fulfilment ships")
    eq(j["address"]["detail"], ADDRESS["detail"], "fulfilment sees the street address")
    check("****" in j["user_phone"], "but not the shopper's full number")
    # risk blocks; cannot refund
    ctx.expect(ctx.post(A + "/orders/%d/refund" % o[3]["id"], token=risk["token"]), 403, "forbidden")
    # everyone reads the stats and the report
    for who in (op, ful, risk):
        stats(ctx, c["campaign_id"], token=who["token"])
    check_stats_exact(ctx, c["campaign_id"], c["items"])


# --------------------------------------------------------------------- users

def test_users_search_block_at_once_and_unblock(ctx):
    token = owner(ctx)
    who = shopper(ctx)
    ctx.expect(ctx.get("/api/v1/me", token=who["token"]), 200, what="me before")
    j = ctx.expect(ctx.get(A + "/users?phone=%s" % who["phone"], token=token), 200, what="search")
    eq([x["id"] for x in j["items"]], [who["id"]], "found by the full number")
    eq(j["items"][0]["phone"], who["phone"], "owner sees the number")
    j = ctx.expect(ctx.get(A + "/users?phone=%s" % who["phone"][:7], token=token), 200, what="prefix")
    check(who["id"] in [x["id"] for x in j["items"]], "found by a prefix")
    risk = admin_session(ctx, "risk")
    j = ctx.expect(ctx.get(A + "/users?phone=%s" % who["phone"], token=risk["token"]), 200, what="risk search")
    check("phone" not in j["items"][0] and j["items"][0]["phone_masked"] == who["phone"][:3] + "****" + who["phone"][7:],
          "masked for risk")
    j = ctx.expect(ctx.post(A + "/users/%d/block" % who["id"], token=risk["token"]), 200, what="block")
    eq(j["blocked"], True, "blocked")
    ctx.wait_session_cache()
    ctx.expect(ctx.get("/api/v1/me", token=who["token"]), 401, "unauthorized")
    ctx.expect(ctx.post(A + "/users/%d/block" % who["id"], token=risk["token"]), 200, what="block again")
    j = ctx.expect(ctx.post(A + "/users/%d/unblock" % who["id"], token=risk["token"]), 200, what="unblock")
    eq(j["blocked"], False, "unblocked")
    ctx.wait_session_cache()
    ctx.expect(ctx.get("/api/v1/me", token=who["token"]), 401, "unauthorized")  # the old token stays dead
    again = ctx.login(phone=who["phone"])
    ctx.expect(ctx.get("/api/v1/me", token=again["token"]), 200, what="a new login works")
    actions = ctx.sql("SELECT action FROM audit_log WHERE target_type = 'shopper' AND target_id = %d ORDER BY id"
                      % who["id"])
    eq([a[0] for a in actions], ["user.block", "user.unblock"], "audited once each")
    ctx.expect(ctx.post(A + "/users/999999999/block", token=risk["token"]), 404, "not_found")
    for bad in ("12", "abc", "138001380001"):
        ctx.expect(ctx.get(A + "/users?phone=" + bad, token=token), 400, "invalid_field")


# -------------------------------------------------------------------- prizes

def test_prizes_list_and_fulfil_once(ctx):
    c = scripted_campaign(ctx)
    who = c["initiators"][0]
    ctx.sql("INSERT INTO prize (user_id, campaign_id, title, created_at) VALUES (%d, %d, '蓝牙音箱', UTC_TIMESTAMP())"
            % (who["id"], c["campaign_id"]))
    prize_id = int(ctx.sql_value("SELECT MAX(id) FROM prize"))
    ful = admin_session(ctx, "fulfilment")
    j = ctx.expect(ctx.get(A + "/prizes?campaign_id=%d" % c["campaign_id"], token=ful["token"]), 200, what="prizes")
    check(prize_id in [x["id"] for x in j["items"]], "the prize is pending")
    op = admin_session(ctx, "operator")
    ctx.expect(ctx.post(A + "/prizes/%d/fulfil" % prize_id, token=op["token"]), 403, "forbidden")
    j = ctx.expect(ctx.post(A + "/prizes/%d/fulfil" % prize_id, {"note": "顺丰 SF001"}, token=ful["token"]), 200,
                   what="fulfil")
    eq((j["status"], j["note"]), ("fulfilled", "顺丰 SF001"), "fulfilled")
    ctx.expect(ctx.post(A + "/prizes/%d/fulfil" % prize_id, token=ful["token"]), 409, "invalid_state")
    j = ctx.expect(ctx.get(A + "/prizes?status=fulfilled&campaign_id=%d" % c["campaign_id"], token=ful["token"]), 200,
                   what="fulfilled prizes")
    eq([x["id"] for x in j["items"]], [prize_id], "listed as fulfilled")
    eq(ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE action = 'prize.fulfil' AND target_id = %d" % prize_id), "1",
       "audited")


# -------------------------------------------------------- tokens and admins

def test_token_renew(ctx):
    s = admin_session(ctx, "operator")
    time.sleep(1.1)
    j = ctx.expect(ctx.post(A + "/token/renew", token=s["token"]), 200, what="renew")
    ctx.secrets.add(j["token"])
    check(j["token"] != s["token"], "a new token")
    eq(j["admin"]["roles"], ["operator"], "roles")
    old, new = jwt_payload(s["token"]), jwt_payload(j["token"])
    check(new["exp"] > old["exp"], "a later expiry")
    ttl = int(ctx.conf.get("admin_token_ttl_s", "1800"))
    check(abs(new["exp"] - new["iat"] - ttl) <= 1, "admin_token_ttl_s")
    ctx.expect(ctx.get(A + "/campaigns", token=j["token"]), 200, what="the new token works")
    # logout revokes the session's token; a renewed one cannot be made from it
    ctx.expect(ctx.post(A + "/logout", token=s["token"]), 204, what="logout")
    ctx.wait_session_cache()
    ctx.expect(ctx.post(A + "/token/renew", token=s["token"]), 401, "unauthorized")
    shopper_token = shopper(ctx)["token"]
    ctx.expect(ctx.post(A + "/token/renew", token=shopper_token), 401, "unauthorized")


def test_owner_manages_admins(ctx):
    token = owner(ctx)
    name = "console_%d" % int(time.time() * 1000 % 10 ** 9)
    password = "pw-console-%d" % int(time.time())
    ctx.secrets.add(password)
    j = ctx.expect(ctx.post(A + "/admins", {"username": name, "password": password, "roles": ["operator", "risk"]},
                            token=token), 201, what="create admin")
    eq(sorted(j["roles"]), ["operator", "risk"], "roles")
    ctx.expect(ctx.post(A + "/admins", {"username": name, "password": password, "roles": ["operator"]}, token=token),
               409, "conflict")
    ctx.expect(ctx.post(A + "/admins", {"username": name + "x", "password": password, "roles": ["wizard"]},
                        token=token), 422, "invalid_field")
    login = ctx.expect(ctx.post(A + "/login", {"username": name, "password": password}), 200, what="new admin login")
    ctx.secrets.add(login["token"])
    ctx.expect(ctx.get(A + "/admins", token=login["token"]), 403, "forbidden")
    j = ctx.expect(ctx.request("PATCH", A + "/admins/%d" % j["id"], json_body={"disabled": True}, token=token), 200,
                   what="disable")
    eq(j["disabled"], True, "disabled")
    ctx.wait_session_cache()
    ctx.expect(ctx.get(A + "/campaigns", token=login["token"]), 401, "unauthorized")
    me = jwt_payload(token)
    ctx.expect(ctx.request("PATCH", A + "/admins/%s" % me["sub"], json_body={"disabled": True}, token=token), 422,
               "invalid_field")
    eq(ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE action IN ('admin.create', 'admin.update') "
                     "AND target_id = %d" % j["id"]), "2", "audited")
    listed = ctx.expect(ctx.get(A + "/admins", token=token), 200, what="admins")
    check(name in [x["username"] for x in listed["items"]], "listed")
    check(all("password" not in str(x) for x in listed["items"]), "no hashes")


# ----------------------------------------------------------- cut plan preview

def test_cut_plan_preview(ctx):
    token = owner(ctx)
    body = {"original_price_fen": 50000, "floor_price_fen": 30000, "cut_min_fen": 100, "cut_max_fen": 5000,
            "target_cuts": 12}
    j = ctx.expect(ctx.post(A + "/cut-plan/preview", body, token=token), 200, what="preview")
    eq((len(j["plan"]), sum(j["plan"]), j["total_fen"]), (12, 20000, 20000), "12 cuts to the floor")
    check(all(100 <= x <= 5000 for x in j["plan"]), "each cut in range")
    check(j["plan"][0] == max(j["plan"]), "the first cut is the largest")
    bad = dict(body, cut_max_fen=1000)
    r = ctx.expect(ctx.post(A + "/cut-plan/preview", bad, token=token), 422, "invalid_campaign")
    check("12" in r["error"]["message"], "the message names the cuts")
    ctx.expect(ctx.post(A + "/cut-plan/preview", dict(body, floor_price_fen=50000), token=token), 422,
               "invalid_campaign")
    ctx.expect(ctx.post(A + "/cut-plan/preview", dict(body, target_cuts=0), token=token), 400)
    ctx.expect(ctx.post(A + "/cut-plan/preview", dict(body, extra=1), token=token), 400, "unknown_field")


# ---------------------------------------------------------------- the audit

def test_every_console_write_is_audited(ctx):
    c = scripted_campaign(ctx)
    token = c["token"]
    o = c["orders"]
    j = ctx.expect(ctx.get(A + "/audit?target_type=order&target_id=%d" % o[1]["id"], token=token), 200, what="audit")
    actions = [x["action"] for x in j["items"]]
    eq(actions, ["order.refund", "order.ship"], "ship then refund, newest first")
    entry = j["items"][0]
    eq((entry["before"]["status"], entry["after"]["status"]), ("shipped", "refunded"), "before and after")
    check(entry["admin"] and entry["request_id"] and entry["created_at"], "who, which request, when")
    j = ctx.expect(ctx.get(A + "/audit?target_type=campaign&target_id=%d" % c["campaign_id"], token=token), 200,
                   what="campaign audit")
    eq([x["action"] for x in j["items"]], ["campaign.create"], "the campaign's creation")
