"""A campaign over its life: the leaderboard's order (fastest to the floor
first, then the larger cut total, then the older bargain; held bargains and
running ones not ranked), computed here independently of the engine; and
running bargains closed when an operator shortens the campaign."""

import time

from kanjia import check, eq
from test_bargain import help_, make_item, shopper, start
from test_campaigns import campaign_body, create, item_body, patch, rfc3339

ORDER = 55


def masked(phone):
    return phone[:3] + "****" + phone[-4:]


def test_leaderboard_order(ctx):
    # Eight bargains on one exact-mode item (one cut reaches the floor), each
    # by its own shopper, all succeeded through the API; then their times
    # and totals are set here to make ties on purpose.
    campaign_id, item_id = make_item(ctx, price=20000, floor=10000, cut_min=10000, cut_max=10000, target_cuts=1,
                                     rewards={})
    people = []
    for _ in range(8):
        j = ctx.login()
        who = {"token": j["token"], "id": j["user"]["id"], "ip": ctx.new_ip(), "phone": j["phone"]}
        b = start(ctx, who, item_id)
        cut = ctx.expect(ctx.post("/api/v1/bargains/%d/cut" % b["id"], token=who["token"], ip=who["ip"]), 200,
                         what="the one cut")
        eq(cut["bargain"]["status"], "succeeded", "succeeded on its one cut")
        people.append((who, b["id"]))
    # (succeeded_in_s, cut_total_fen, held) per bargain, in the order made
    plan = [(300, 10000, 0), (60, 10000, 0), (300, 12000, 0), (60, 10000, 0),
            (10, 10000, 1), (300, 10000, 0), (5000, 10000, 0), (None, 10000, 0)]
    for (who, bargain_id), (seconds, total, held) in zip(people, plan):
        # (the price columns move with the total: the cuts must explain it)
        ctx.sql("UPDATE bargain SET succeeded_in_s = %s, cut_total_fen = %d, "
                "original_price_fen = current_price_fen + %d, held = %d WHERE id = %d"
                % ("NULL" if seconds is None else seconds, total, total, held, bargain_id))
    ranked = [(seconds, -total, bargain_id, who["phone"], total)
              for (who, bargain_id), (seconds, total, held) in zip(people, plan) if seconds is not None and not held]
    ranked.sort()
    board = ctx.expect(ctx.get("/api/v1/campaigns/%d/leaderboard" % campaign_id), 200, what="leaderboard")
    eq([(x["rank"], x["bargain_id"], x["succeeded_in_s"], x["cut_total_fen"], x["user"]) for x in board["items"]],
       [(rank, bargain_id, seconds, total, masked(phone))
        for rank, (seconds, _, bargain_id, phone, total) in enumerate(ranked, 1)],
       "the board: fastest first, then the larger total, then the older bargain; no held or running one")
    eq(len(board["items"]), 6, "six ranked of eight")


def test_shortened_campaign_closes_its_running_bargains(ctx):
    body = campaign_body(items=[item_body(stock=10)])
    j = create(ctx, body, what="a campaign running a day")
    item_id = j["items"][0]["id"]
    running = [start(ctx, shopper(ctx), item_id) for _ in range(3)]
    for b in running:
        eq(b["status"], "active", "running")
    # The operator ends it in a few seconds instead of a day.
    ends = int(time.time()) + 3
    out = patch(ctx, "/campaigns/%d" % j["id"], {"ends_at": rfc3339(ends)}, what="shorten the campaign")
    eq(out["ends_at"], rfc3339(ends), "the new end")
    interval = int(ctx.conf.get("sweep_interval_s", "30"))
    ids = ",".join(str(b["id"]) for b in running)
    # Closed by the sweeper, without anyone touching them.
    deadline = time.time() + 3 + 2 * interval + 5
    while True:
        left = ctx.sql_value("SELECT COUNT(*) FROM bargain WHERE id IN (%s) AND status = 'active'" % ids)
        if left == "0":
            break
        check(time.time() < deadline, "%s of 3 running bargains still active %.0f s after the new end"
              % (left, time.time() - ends))
        time.sleep(0.25)
    eq(ctx.sql("SELECT DISTINCT status, open_slot FROM bargain WHERE id IN (%s)" % ids), [["expired", None]],
       "closed and their open slots freed")
    check(int(ctx.sql_value("SELECT COUNT(*) FROM bargain WHERE id IN (%s) AND closed_at >= FROM_UNIXTIME(%d)"
                            % (ids, ends))) == 3, "closed at or after the new end")
    help_(ctx, shopper(ctx), running[0]["share_code"], 410, "bargain_closed")
    ctx.expect(ctx.post("/api/v1/bargains", {"item_id": item_id}, token=shopper(ctx)["token"]), 410,
               "campaign_not_active", what="no new bargain in an ended campaign")
