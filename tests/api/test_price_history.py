"""The "was" price is real (issue 14; SPEC §6): every campaign item keeps its
price history (item_price_history, sql/020), written when its list price
changes and when a timed discount's window opens or closes, and the
struck-through price the campaign read answers (was_price_fen) is never
higher than the lowest price in force in the 7 days before the price it
stands beside, nor shown at all when that lowest price is not above it.

Each test changes prices through the admin API, then checks the public
read against the history recomputed here from the table's rows, and the
quote against the read's price_fen."""

import datetime

from kanjia import check, eq
from test_orders import make_item as make_bare_item, shopper
from test_promotions import admin, create

ORDER = 73

A = "/api/v1/admin"
WEEK_S = 7 * 86400


def iso(offset_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_item(ctx, **kwargs):
    """test_orders' item, with the rewards every item the API writes has (its `{}` is not a public item's shape)."""
    campaign_id, item_id = make_bare_item(ctx, **kwargs)
    ctx.sql("UPDATE campaign_item SET rewards_json = '{\"initiator\": [], \"helper\": null, \"leaderboard\": []}' "
            "WHERE id = %d" % item_id)
    return campaign_id, item_id


def public_item(ctx, campaign_id, item_id):
    j = ctx.expect(ctx.get("/api/v1/campaigns/%d" % campaign_id), 200, what="campaign read")
    found = [i for i in j["items"] if i["id"] == item_id]
    eq(len(found), 1, "the item in its campaign")
    return found[0], j


def history(ctx, item_id):
    """The item's points as (seconds from now, price), oldest first; future ones included."""
    rows = ctx.sql("SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), effective_at), price_fen FROM item_price_history "
                   "WHERE item_id = %d ORDER BY effective_at, id" % item_id)
    return [(int(at), int(price)) for at, price in rows]


def honest_was(points):
    """From the rows alone: the price in force now, and the lowest price in force
    during the 7 days before it began (None when nothing was recorded then)."""
    past = [p for p in points if p[0] <= 0]
    check(past, "a price is in force now")
    now_price = past[-1][1]
    start = len(past) - 1
    while start > 0 and past[start - 1][1] == now_price:
        start -= 1
    t0 = past[start][0]
    low = None
    for i in range(start):
        until = past[i + 1][0]
        if until > t0 - WEEK_S or i == start - 1:
            low = past[i][1] if low is None else min(low, past[i][1])
    return now_price, low


def check_was(ctx, campaign_id, item_id, price, was):
    item, _ = public_item(ctx, campaign_id, item_id)
    eq((item["price_fen"], item["was_price_fen"]), (price, was), "price and was price of item %d" % item_id)
    now_price, low = honest_was(history(ctx, item_id))
    eq(now_price, price, "the read's price is the history's price in force")
    if was is not None:
        check(low is not None and was <= low and was > price,
              "was %s is above the price %d and not above the week's lowest %s" % (was, price, low))
    return item


def quote_total(ctx, item_id):
    alice = shopper(ctx)
    r = ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}]}, token=alice["token"])
    return ctx.expect(r, 200, what="quote")["total_fen"]


def test_a_price_cut_shows_the_week_before_and_a_raise_to_discount_shows_nothing(ctx):
    tok = admin(ctx)
    body = {"title": "价格历史测试", "starts_at": iso(-3600), "ends_at": iso(86400), "items": [
        {"name": "电饭煲", "original_price_fen": 50000, "floor_price_fen": 30000, "stock": 10,
         "rules": {"cut_min_fen": 100, "cut_max_fen": 5000}}]}
    made = ctx.expect(ctx.post(A + "/campaigns", body, token=tok), 201, what="campaign create")
    campaign_id, item_id = made["id"], made["items"][0]["id"]
    eq([p[1] for p in history(ctx, item_id)], [50000], "listed at its price")
    check_was(ctx, campaign_id, item_id, 50000, None)

    def patch_price(price):
        r = ctx.request("PATCH", "%s/items/%d" % (A, item_id), json_body={"original_price_fen": price}, token=tok)
        ctx.expect(r, 200, what="price to %d" % price)

    patch_price(40000)
    check_was(ctx, campaign_id, item_id, 40000, 50000)   # a real cut: last week it cost 500
    patch_price(50000)
    check_was(ctx, campaign_id, item_id, 50000, None)    # back up: nothing to strike
    # the raise then "discount" trick: 450 is no discount on a week that saw 400
    p = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时特价",
                                  "config": {"items": [{"item_id": item_id, "price_fen": 45000}]}}, token=tok)
    check_was(ctx, campaign_id, item_id, 45000, None)
    eq(quote_total(ctx, item_id), 45000, "the quote charges the read's price")
    # each change once, in order; the discount's window closes with the campaign: that point is written ahead
    points = history(ctx, item_id)
    eq([p[1] for p in points], [50000, 40000, 50000, 45000, 50000], "each change once, in order")
    check(points[-1][0] > 86000, "the closing point at the window's end: %s" % points)
    # a write that moves no price writes nothing
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]), json_body={"title": "限时特价二"}, token=tok)
    ctx.expect(r, 200, what="retitle")
    r = ctx.request("PATCH", "%s/items/%d" % (A, item_id), json_body={"name": "电饭煲 3L"}, token=tok)
    ctx.expect(r, 200, what="rename")
    eq(len(history(ctx, item_id)), 5, "no new point for writes that change no price")


def test_a_timed_discount_is_a_change_of_price_for_its_window(ctx):
    tok = admin(ctx)
    campaign_id, item_id = make_item(ctx, price=10000, stock=10)
    _, later_id = make_item(ctx, price=20000, stock=10, campaign_id=campaign_id)
    # listed ten days ago (a row the way an earlier release leaves it)
    ctx.sql("INSERT INTO item_price_history (item_id, price_fen, cause, effective_at, recorded_at) VALUES "
            "(%d, 10000, 'list', UTC_TIMESTAMP() - INTERVAL 10 DAY, UTC_TIMESTAMP() - INTERVAL 10 DAY)" % item_id)
    check_was(ctx, campaign_id, item_id, 10000, None)
    live = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时六折",
                                     "config": {"items": [{"item_id": item_id, "percent": 60}]}}, token=tok)
    check_was(ctx, campaign_id, item_id, 6000, 10000)
    eq(quote_total(ctx, item_id), 6000, "the quote charges the read's price")
    # a window in the future: its opening and closing are recorded ahead, the price now is untouched
    later = create(ctx, campaign_id, {"kind": "timed_discount", "title": "明日五折", "starts_at": iso(3600),
                                      "ends_at": iso(7200),
                                      "config": {"items": [{"item_id": later_id, "percent": 50}]}}, token=tok)
    points = history(ctx, later_id)
    eq([p[1] for p in points], [20000, 10000, 20000], "listed, then the window's two edges")
    check(3590 <= points[1][0] <= 3600 and 7190 <= points[2][0] <= 7200, "the edges at the window: %s" % points)
    check_was(ctx, campaign_id, later_id, 20000, None)
    # switched off before it opened: the planned points go, the past stays
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, later["id"]), json_body={"enabled": False}, token=tok)
    ctx.expect(r, 200, what="disable")
    eq([p[1] for p in history(ctx, later_id)], [20000], "the plan withdrawn")
    # the live discount removed: the list price again, and no was price (the week saw 60)
    r = ctx.request("DELETE", "%s/promotions/%d" % (A, live["id"]), token=tok)
    eq(r.status, 204, "deleted")
    check_was(ctx, campaign_id, item_id, 10000, None)
    eq([p[1] for p in history(ctx, item_id)], [10000, 6000, 10000], "the discount's window as it ran")


def test_a_cheaper_week_bounds_the_was_price(ctx):
    tok = admin(ctx)
    campaign_id, item_id = make_item(ctx, price=50000, stock=10)
    for days, price in ((10, 50000), (3, 28000), (2, 50000)):
        ctx.sql("INSERT INTO item_price_history (item_id, price_fen, cause, effective_at, recorded_at) VALUES "
                "(%d, %d, 'list', UTC_TIMESTAMP() - INTERVAL %d DAY, UTC_TIMESTAMP() - INTERVAL %d DAY)"
                % (item_id, price, days, days))
    p = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时六折",
                                  "config": {"items": [{"item_id": item_id, "percent": 60}]}}, token=tok)
    check_was(ctx, campaign_id, item_id, 30000, None)    # it sold at 280 three days ago
    r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]),
                    json_body={"config": {"items": [{"item_id": item_id, "percent": 50}]}}, token=tok)
    ctx.expect(r, 200, what="deeper discount")
    item = check_was(ctx, campaign_id, item_id, 25000, 28000)  # struck at 280, never at 500
    eq(item["original_price_fen"], 50000, "the list price stays what it is")
    _, read = public_item(ctx, campaign_id, item_id)
    shown = [x for x in read["promotions"] if x["id"] == p["id"]]
    eq(len(shown), 1, "the discount among the campaign's promotions")
    eq((shown[0]["kind"], shown[0]["config"]), ("timed_discount", {"items": [{"item_id": item_id, "percent": 50}]}),
       "as shoppers see it")


def test_racing_changes_leave_one_point_per_change(ctx):
    """Twelve admins change one discount at once: the refreshes take turns on
    the campaign's row, so the history never records a price twice in a row
    and ends at the price the last change left."""
    tok = admin(ctx)
    campaign_id, item_id = make_item(ctx, price=10000, stock=10)
    p = create(ctx, campaign_id, {"kind": "timed_discount", "title": "限时折扣",
                                  "config": {"items": [{"item_id": item_id, "percent": 90}]}}, token=tok)

    def change(percent):
        def send():
            r = ctx.request("PATCH", "%s/promotions/%d" % (A, p["id"]),
                            json_body={"config": {"items": [{"item_id": item_id, "percent": percent}]}}, token=tok)
            return r.status
        return send

    statuses = ctx.concurrently([change(50 + 10 * (i % 4)) for i in range(12)], what="12 discount changes")
    eq(statuses, [200] * 12, "every change applied")
    past = [price for at, price in history(ctx, item_id) if at <= 0]
    check(all(a != b for a, b in zip(past, past[1:])), "no price recorded twice in a row: %s" % past)
    final = ctx.expect(ctx.get("%s/promotions/%d" % (A, p["id"]), token=tok), 200)["config"]["items"][0]["percent"]
    item, _ = public_item(ctx, campaign_id, item_id)
    eq((past[-1], item["price_fen"]), (100 * final, 100 * final), "the last change's price is in force")
