"""Games (API.md "Games", issue 15): the admin's games resource, the lucky
wheel with its odds, stock, daily spins and points, guess the price with
its sweeper, English and Dutch auctions with the winner's order, and the
campaign leaderboard's prizes. Races are checked exactly against the
database: stock never given past its count, one Dutch taker, one highest
English bid.

ORDER 70: after the order tests; every game lives in a campaign of its own."""

import json
import time

from kanjia import check, eq
import test_orders as orders
from test_admin import admin_session

ORDER = 70
TIMEOUT_S = 300


def operator(ctx):
    return admin_session(ctx, "operator")["token"]


def iso(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def wheel_config(prizes, spins_per_day=1, cost_points=0):
    return {"spins_per_day": spins_per_day, "cost_points": cost_points, "prizes": prizes}


def make_game(ctx, admin, campaign_id, kind, config, starts_in=-60, ends_in=3600, publish=True, title="测试游戏"):
    body = {"kind": kind, "title": title, "starts_at": iso(starts_in), "ends_at": iso(ends_in), "config": config}
    game = ctx.expect(ctx.post("/api/v1/admin/campaigns/%d/games" % campaign_id, body, token=admin), 201,
                      what="create a %s" % kind)
    if publish:
        game = ctx.expect(ctx.post("/api/v1/admin/games/%d/publish" % game["id"], token=admin), 200, what="publish")
        check(game["published"], "published")
    return game


def spin(ctx, who, game_id, body=None):
    return ctx.post("/api/v1/games/%d/play" % game_id, body or {}, token=who["token"], ip=who["ip"])


def set_points(ctx, user_id, points):
    ctx.sql("UPDATE shopper SET points_balance = %d WHERE id = %d" % (points, user_id))


# ----------------------------------------------------------- the resource


def test_game_config_is_checked_at_the_edge(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx)
    path = "/api/v1/admin/campaigns/%d/games" % campaign_id
    base = {"kind": "wheel", "title": "大转盘", "starts_at": iso(-60), "ends_at": iso(3600)}
    cases = [
        ({"prizes": [{"name": "红包", "weight": 1, "stock": 5, "kind": "red_packet", "red_packet_max_fen": 5000001}]},
         "50000"),
        ({"prizes": [{"name": "红包", "weight": 1, "stock": 5, "kind": "red_packet"}]}, "red_packet_max_fen"),
        ({"prizes": [{"name": "券", "weight": 1, "stock": 5, "kind": "coupon", "coupon_promotion_id": 999999999}]},
         "coupon_promotion_id"),
        ({"prizes": [{"name": "大奖", "weight": 1, "stock": 1, "kind": "coupon",
                      "coupon": {"title": "巨额券", "amount_fen": 5000001}}]}, "50000"),
        ({"prizes": [{"name": "谢谢", "weight": 0, "kind": "none"}]}, "weight"),
        ({"prizes": [{"name": "谢谢", "weight": 1, "kind": "none", "colour": "red"}]}, "colour"),
        ({"prizes": []}, "prizes"),
        ({"spins_per_day": 0, "prizes": [{"name": "谢谢", "weight": 1, "kind": "none"}]}, "spins_per_day"),
        ({"prizes": [{"name": "积分", "weight": 1, "stock": 3, "kind": "points"}]}, "points"),
    ]
    for config, named in cases:
        j = ctx.expect(ctx.post(path, dict(base, config=config), token=admin), 422, "invalid_game",
                       what="config %s" % json.dumps(config, ensure_ascii=False))
        check(named in j["error"]["message"], "the message names %s: %s" % (named, j["error"]["message"]))
    eq(ctx.sql_value("SELECT COUNT(*) FROM game WHERE campaign_id = %d" % campaign_id), "0", "nothing written")
    ctx.expect(ctx.post(path, dict(base, kind="lottery", config={}), token=admin), 422, "invalid_game")
    ctx.expect(ctx.post(path, dict(base, ends_at=iso(-120), config=wheel_config(
        [{"name": "谢谢", "weight": 1, "kind": "none"}])), token=admin), 422, "invalid_game", what="window")
    ctx.expect(ctx.post("/api/v1/admin/campaigns/999999999/games", dict(base, config=wheel_config(
        [{"name": "谢谢", "weight": 1, "kind": "none"}])), token=admin), 404, "not_found")
    guess = {"item_id": item_id, "answer_fen": 9900, "tolerance_fen": 100, "reward": {"coupon_promotion_id": 3}}
    ctx.expect(ctx.post(path, dict(base, kind="guess_price", config=guess), token=admin), 422, "invalid_game")
    dutch = {"mode": "dutch", "item_id": item_id, "start_fen": 1000, "floor_fen": 2000, "drop_fen": 10,
             "drop_every_s": 5}
    ctx.expect(ctx.post(path, dict(base, kind="auction", config=dutch), token=admin), 422, "invalid_game",
               what="a floor above the start")
    fulfilment = admin_session(ctx, "fulfilment")["token"]
    ctx.expect(ctx.post(path, dict(base, config=wheel_config([{"name": "谢谢", "weight": 1, "kind": "none"}])),
                        token=fulfilment), 403, "forbidden", what="only operators create games")


def test_publish_freezes_the_odds_except_added_stock(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "5元券", "weight": 1, "stock": 2, "kind": "coupon",
               "coupon": {"title": "转盘5元券", "amount_fen": 500}},
              {"name": "谢谢参与", "weight": 3, "kind": "none"}]
    game = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes), publish=False)
    gid = game["id"]
    alice = orders.shopper(ctx)
    ctx.expect(ctx.get("/api/v1/games/%d" % gid), 404, "not_found", what="unpublished games are not shown")
    ctx.expect(spin(ctx, alice, gid), 410, "game_closed", what="an unpublished wheel cannot be played")
    # before publishing anything may change
    prizes[0]["weight"] = 2
    j = ctx.expect(ctx.request("PATCH", "/api/v1/admin/games/%d" % gid, json_body={"config": wheel_config(prizes)},
                               token=admin), 200, what="patch before publish")
    eq(j["config"]["prizes"][0]["weight"], 2, "weight changed")
    ctx.expect(ctx.post("/api/v1/admin/games/%d/publish" % gid, token=admin), 200)
    ctx.expect(ctx.post("/api/v1/admin/games/%d/publish" % gid, token=admin), 409, "published")
    ctx.expect(ctx.request("PATCH", "/api/v1/admin/games/%d" % gid, json_body={"title": "新标题"}, token=admin),
               409, "published")
    changed = json.loads(json.dumps(prizes))
    changed[0]["weight"] = 9
    ctx.expect(ctx.request("PATCH", "/api/v1/admin/games/%d" % gid, json_body={"config": wheel_config(changed)},
                           token=admin), 409, "published", what="odds frozen")
    fewer = json.loads(json.dumps(prizes))
    fewer[0]["stock"] = 1
    ctx.expect(ctx.request("PATCH", "/api/v1/admin/games/%d" % gid, json_body={"config": wheel_config(fewer)},
                           token=admin), 409, "published", what="stock never shrinks")
    more = json.loads(json.dumps(prizes))
    more[0]["stock"] = 7
    ctx.expect(ctx.request("PATCH", "/api/v1/admin/games/%d" % gid, json_body={"config": wheel_config(more)},
                           token=admin), 200, what="adding stock")
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid), 200)
    eq([p["stock_left"] for p in view["prizes"]], [7, None], "stock after adding")
    eq([round(p["probability"], 4) for p in view["prizes"]], [0.4, 0.6], "published odds")
    eq(view["plays_left_today"], None, "anonymous: no plays count")
    mine = ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=alice["token"]), 200)
    eq(mine["plays_left_today"], 1, "one spin a day")
    ctx.expect(ctx.get("/api/v1/games/%d" % gid, token="not-a-token"), 401, "unauthorized", what="bad token")
    listed = ctx.expect(ctx.get("/api/v1/admin/campaigns/%d/games" % campaign_id, token=admin), 200)
    eq([g["id"] for g in listed["items"]], [gid], "the campaign's games")
    eq(ctx.expect(ctx.get("/api/v1/admin/games/%d" % gid, token=admin), 200)["config"]["prizes"][0]["stock"], 7,
       "admin sees the config")
    eq(ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE target_type = 'game' AND target_id = %d" % gid), "4",
       "create, patch, publish and the stock patch are audited")


def test_a_spin_is_stored_and_the_daily_limit_holds(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "8元券", "weight": 1, "stock": 100, "kind": "coupon",
               "coupon": {"title": "转盘8元券", "amount_fen": 800, "min_spend_fen": 5000, "valid_days": 3}}]
    gid = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=2))["id"]
    alice = orders.shopper(ctx)
    for n in range(2):
        j = ctx.expect(spin(ctx, alice, gid), 200, what="spin %d" % n)
        eq(j["prize"]["kind"], "coupon", "the only prize")
        eq(j["coupon"]["amount_fen"], 800, "the coupon issued")
        row = ctx.sql("SELECT user_id, slot, coupon_id FROM game_play WHERE id = %d" % j["play_id"])[0]
        eq([int(x) for x in row], [alice["id"], 0, j["coupon"]["id"]], "the play stored with its coupon")
    j = ctx.expect(spin(ctx, alice, gid), 429, "daily_limit")
    check("明天" in j["error"]["message"], "the wheel's own message")
    eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid), "2", "no third play")
    eq(ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=alice["token"]), 200)["plays_left_today"], 0, "none left")
    wallet = ctx.expect(ctx.get("/api/v1/me/coupons", token=alice["token"]), 200)["items"]
    eq(sorted(c["title"] for c in wallet), ["转盘8元券"] * 2, "both coupons in the wallet")
    # a closed wheel
    ctx.sql("UPDATE game SET ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = %d" % gid)
    ctx.expect(spin(ctx, orders.shopper(ctx), gid), 410, "game_closed")


def test_points_lottery_never_takes_the_balance_below_zero(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "20积分", "weight": 1, "stock": 100, "kind": "points", "points": 20}]
    gid = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=10, cost_points=50))["id"]
    alice = orders.shopper(ctx)
    set_points(ctx, alice["id"], 60)
    j = ctx.expect(spin(ctx, alice, gid), 200)
    eq(j["points_balance"], 30, "60 - 50 + 20")
    ctx.expect(spin(ctx, alice, gid), 409, "insufficient_points")
    eq(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % alice["id"]), "30", "balance kept")
    eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid), "1", "the refused spin left nothing")
    eq(ctx.sql_value("SELECT plays FROM game_daily WHERE game_id = %d" % gid), "1", "nor counted a play")


def test_500_concurrent_spins_give_a_prize_of_stock_10_at_most_10_times(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "耳机", "weight": 1000, "stock": 10, "kind": "item"},
              {"name": "2元券", "weight": 1, "stock": 1000, "kind": "coupon",
               "coupon": {"title": "转盘2元券", "amount_fen": 200}}]
    gid = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=100))["id"]
    players = orders.shoppers(ctx, 5)
    calls = [lambda who=who: spin(ctx, who, gid) for who in players for _ in range(102)]
    answers = ctx.concurrently(calls, what="510 spins")
    statuses = [r.status for r in answers]
    eq(statuses.count(200) + statuses.count(429), len(calls), "every spin answered 200 or 429: %s" % sorted(set(statuses)))
    eq(statuses.count(429), 10, "exactly 100 spins a shopper")
    won = [r.json["prize"]["kind"] for r in answers if r.status == 200]
    items = won.count("item")
    check(items <= 10, "the item given %d times" % items)
    eq(ctx.sql("SELECT stock_total, stock_left, given FROM game_prize WHERE game_id = %d AND slot = 0" % gid)[0],
       ["10", str(10 - items), str(items)], "the stock row")
    eq(int(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d AND slot = 0" % gid)), items,
       "plays that won the item")
    eq(int(ctx.sql_value("SELECT COUNT(*) FROM prize WHERE title = '耳机' AND campaign_id = %d" % campaign_id)), items,
       "prize rows")
    eq(int(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid)), 500, "every play stored")
    coupons = won.count("coupon")
    eq(int(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d AND slot = 1 AND coupon_id IS NOT NULL"
                         % gid)), coupons, "coupon plays")
    eq(won.count("none"), 500 - items - coupons, "the rest drew the item out of stock: none")
    eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d AND slot IS NULL" % gid),
       str(500 - items - coupons), "stored as none")
    check(items == 10, "with weight 1000 to 1 the item ran out (%d given)" % items)


# ------------------------------------------------ red packets and coupons


def coupon_promotion(ctx, campaign_id, amount_fen, limit_total=None, valid_days=5):
    """A coupon promotion (API.md "Promotions (admin)", kind coupon) of the
    campaign: through the promotion resource where this build has the kind
    (issue 14's promotions), else written as that resource writes it."""
    config = {"amount_fen": amount_fen, "min_spend_fen": 0, "valid_days": valid_days, "item_ids": None,
              "claimable": False}
    body = {"kind": "coupon", "title": "转盘满减券", "config": config, "limits": {"total": limit_total, "per_user": None}}
    r = ctx.post("/api/v1/admin/campaigns/%d/promotions" % campaign_id, body, token=admin_session(ctx, "owner")["token"])
    if r.status == 201:
        return r.json["id"]
    eq(r.status, 422, "the promotion resource refuses only the kind it does not have yet: %s" % r.body[:200])
    ctx.sql("INSERT INTO promotion (campaign_id, kind, title, starts_at, ends_at, enabled, config_json, limit_total, "
            "created_at, updated_at) SELECT id, 'coupon', CONVERT(UNHEX('%s') USING utf8mb4), starts_at, ends_at, 1, %s, %s, UTC_TIMESTAMP(), "
            "UTC_TIMESTAMP() FROM campaign WHERE id = %d"
            % ("转盘满减券".encode("utf-8").hex(), "CONVERT(UNHEX('%s') USING utf8mb4)" % json.dumps(config).encode("utf-8").hex(),
               "NULL" if limit_total is None else str(limit_total), campaign_id))
    return int(ctx.sql_value("SELECT MAX(id) FROM promotion WHERE campaign_id = %d" % campaign_id))


def test_a_red_packet_prize_issues_a_red_packet_once_per_play(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "现金红包", "weight": 1, "stock": 3, "kind": "red_packet", "red_packet_max_fen": 500,
               "red_packet_days": 3}]
    game = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=5))
    gid = game["id"]
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid), 200)
    eq(view["prizes"][0]["red_packet_max_fen"], 500, "the cap is published with the odds")
    alice = orders.shopper(ctx)
    packets = []
    for n in range(3):
        j = ctx.expect(spin(ctx, alice, gid), 200, what="spin %d" % n)
        eq(j["prize"]["kind"], "red_packet", "the only prize")
        packet = j["red_packet"]
        check(1 <= packet["amount_fen"] <= 500, "an amount up to the cap: %d" % packet["amount_fen"])
        eq((packet["source"], packet["status"]), ("wheel", "available"), "a fresh packet from the wheel")
        row = ctx.sql("SELECT user_id, amount_fen, status, TIMESTAMPDIFF(SECOND, created_at, expires_at) "
                      "FROM red_packet WHERE id = %d" % packet["id"])[0]
        eq([int(row[0]), int(row[1]), row[2], int(row[3])], [alice["id"], packet["amount_fen"], "available", 3 * 86400],
           "the packet stored for the shopper, valid 3 days")
        eq(ctx.sql_value("SELECT red_packet_id FROM game_play WHERE id = %d" % j["play_id"]), str(packet["id"]),
           "the play names its packet")
        eq(ctx.sql_value("SELECT COUNT(*) FROM reward_grant WHERE milestone = 'wheel:%d' AND user_id = %d"
                         % (j["play_id"], alice["id"])), "1", "granted once, under the play's key")
        packets.append(packet)
    j = ctx.expect(spin(ctx, alice, gid), 200, what="the fourth spin")
    eq((j["prize"]["kind"], "red_packet" in j), ("none", False), "out of stock counts as none, no packet")
    wallet = ctx.expect(ctx.get("/api/v1/me/red-packets", token=alice["token"]), 200)["items"]
    eq(sorted((p["id"], p["amount_fen"]) for p in wallet if p["source"] == "wheel"),
       sorted((p["id"], p["amount_fen"]) for p in packets), "the wallet shows the three packets")
    eq(ctx.sql_value("SELECT COUNT(*) FROM red_packet WHERE user_id = %d AND source = 'wheel'" % alice["id"]), "3",
       "three packets, no more")
    stats = ctx.expect(ctx.get("/api/v1/admin/games/%d" % gid, token=admin), 200)["stats"]
    eq(stats, {"plays": 4, "players": 1, "prizes_given": 3, "stock_left": 0}, "the dashboard's counts")
    listed = ctx.expect(ctx.get("/api/v1/admin/campaigns/%d/games" % campaign_id, token=admin), 200)["items"]
    eq(listed[0]["stats"], stats, "the list carries the same counts")


def test_a_coupon_prize_issues_the_campaigns_coupon_promotion(ctx):
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    other_campaign, _ = orders.make_item(ctx)
    promotion_id = coupon_promotion(ctx, campaign_id, 800, limit_total=2, valid_days=5)
    foreign_id = coupon_promotion(ctx, other_campaign, 800)
    path = "/api/v1/admin/campaigns/%d/games" % campaign_id
    base = {"kind": "wheel", "title": "券转盘", "starts_at": iso(-60), "ends_at": iso(3600)}
    refused = ctx.expect(ctx.post(path, dict(base, config=wheel_config(
        [{"name": "8元券", "weight": 1, "stock": 5, "kind": "coupon", "coupon_promotion_id": foreign_id}])),
        token=admin), 422, "invalid_game", what="another campaign's promotion")
    check("coupon_promotion_id" in refused["error"]["message"], refused["error"]["message"])
    prizes = [{"name": "8元券", "weight": 1, "stock": 5, "kind": "coupon", "coupon_promotion_id": promotion_id}]
    gid = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=5))["id"]
    alice = orders.shopper(ctx)
    issued = []
    for n in range(2):
        j = ctx.expect(spin(ctx, alice, gid), 200, what="spin %d" % n)
        eq(j["prize"]["kind"], "coupon", "the coupon prize")
        coupon = j["coupon"]
        eq((coupon["title"], coupon["amount_fen"], coupon["min_spend_fen"], coupon["status"]),
           ("转盘满减券", 800, 0, "available"), "the promotion's coupon")
        eq(ctx.sql_value("SELECT TIMESTAMPDIFF(SECOND, starts_at, expires_at) FROM coupon WHERE id = %d" % coupon["id"]),
           str(5 * 86400), "valid the promotion's 5 days")
        eq(ctx.sql_value("SELECT coupon_id FROM game_play WHERE id = %d" % j["play_id"]), str(coupon["id"]),
           "the play names its coupon")
        eq(ctx.sql_value("SELECT coupon_id FROM reward_grant WHERE milestone = 'wheel:%d'" % j["play_id"]),
           str(coupon["id"]), "granted once, under the play's key")
        issued.append(coupon["id"])
    # limits.total 2 caps the coupons the promotion issues: the third spin wins nothing and keeps the stock
    j = ctx.expect(spin(ctx, alice, gid), 200, what="past the promotion's total")
    eq((j["prize"]["kind"], "coupon" in j), ("none", False), "a used-up promotion counts as none")
    eq(ctx.sql("SELECT stock_left, given FROM game_prize WHERE game_id = %d AND slot = 0" % gid)[0], ["3", "2"],
       "the wheel's stock given back")
    wallet = ctx.expect(ctx.get("/api/v1/me/coupons", token=alice["token"]), 200)["items"]
    eq(sorted(c["id"] for c in wallet), sorted(issued), "both coupons in the wallet")
    stats = ctx.expect(ctx.get("/api/v1/admin/games/%d" % gid, token=admin), 200)["stats"]
    eq(stats, {"plays": 3, "players": 1, "prizes_given": 2, "stock_left": 3}, "the dashboard's counts")


# --------------------------------------------------------- guess the price


def test_guess_the_price_once_each_answer_hidden_winners_rewarded_once(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx)
    config = {"item_id": item_id, "answer_fen": 9900, "tolerance_fen": 100,
              "reward": {"coupon": {"title": "猜中有奖券", "amount_fen": 300}}}
    gid = make_game(ctx, admin, campaign_id, "guess_price", config)["id"]
    alice, bob, carol = orders.shoppers(ctx, 3)
    eq(ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=alice["token"]), 200)["plays_left_today"], 1,
       "one guess left")
    for who, price in ((alice, 9800), (bob, 10000), (carol, 10001)):
        j = ctx.expect(spin(ctx, who, gid, {"price_fen": price}), 202, what="guess")
        eq(j["price_fen"], price, "the guess")
    ctx.expect(spin(ctx, alice, gid, {"price_fen": 9900}), 409, "already_played")
    ctx.expect(spin(ctx, orders.shopper(ctx), gid, {}), 400, "missing_field")
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=alice["token"]), 200)
    eq((view["answer_fen"], view["winners"], view["my_guess_fen"], view["plays_left_today"]), (None, None, 9800, 0),
       "answer hidden, no guess left")
    ctx.sql("UPDATE game SET ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, starts_at = UTC_TIMESTAMP() - "
            "INTERVAL 1 HOUR WHERE id = %d" % gid)
    ctx.expect(spin(ctx, orders.shopper(ctx), gid, {"price_fen": 9900}), 410, "game_closed")
    orders.wait_for(ctx, "SELECT settled_at IS NOT NULL FROM game WHERE id = %d" % gid, "1", "the guess settles")
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid), 200)
    eq(view["answer_fen"], 9900, "the answer shows")
    eq(sorted(w["price_fen"] for w in view["winners"]), [9800, 10000], "winners within 100 fen")
    check(all("****" in w["user"] for w in view["winners"]), "winners masked")
    rewarded = ctx.sql("SELECT user_id FROM coupon WHERE title = '猜中有奖券' AND campaign_id = %d ORDER BY user_id"
                       % campaign_id)
    eq(sorted(int(r[0]) for r in rewarded), sorted([alice["id"], bob["id"]]), "each winner rewarded once")
    time.sleep(int(ctx.conf.get("sweep_interval_s", "2")) * 2 + 1)
    eq(ctx.sql_value("SELECT COUNT(*) FROM coupon WHERE title = '猜中有奖券' AND campaign_id = %d" % campaign_id), "2",
       "still once after more sweeps")


def test_a_campaign_lists_its_published_games(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx)
    wheel = make_game(ctx, admin, campaign_id, "wheel", wheel_config([{"name": "谢谢", "weight": 1, "kind": "none"}]))
    make_game(ctx, admin, campaign_id, "wheel", wheel_config([{"name": "谢谢", "weight": 1, "kind": "none"}]),
              publish=False, title="草稿转盘")
    dutch = make_game(ctx, admin, campaign_id, "auction", {"mode": "dutch", "item_id": item_id, "start_fen": 1000,
                                                            "floor_fen": 500, "drop_fen": 10, "drop_every_s": 60})
    later = make_game(ctx, admin, campaign_id, "guess_price", {"item_id": item_id, "answer_fen": 900,
                                                                "reward": {"prize": "小礼品"}}, starts_in=3600,
                      ends_in=7200)
    listed = ctx.expect(ctx.get("/api/v1/campaigns/%d/games" % campaign_id), 200)["items"]
    eq([(g["id"], g["kind"], g.get("mode"), g["open"]) for g in listed],
       [(wheel["id"], "wheel", None, True), (dutch["id"], "auction", "dutch", True),
        (later["id"], "guess_price", None, False)], "published games only, with their mode and whether open")
    check(all("config" not in g for g in listed), "no config (a guess's answer) in the list")
    eq(ctx.expect(ctx.get("/api/v1/campaigns/999999999/games"), 404, "not_found")["error"]["code"], "not_found",
       "no such campaign")


def test_a_guess_reward_may_be_a_coupon_promotion_of_the_campaign(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx)
    other_campaign, _ = orders.make_item(ctx)
    promotion_id = coupon_promotion(ctx, campaign_id, 600, valid_days=3)
    path = "/api/v1/admin/campaigns/%d/games" % campaign_id
    foreign = {"item_id": item_id, "answer_fen": 9900, "tolerance_fen": 100,
               "reward": {"coupon_promotion_id": coupon_promotion(ctx, other_campaign, 600)}}
    j = ctx.expect(ctx.post(path, {"kind": "guess_price", "title": "猜价", "starts_at": iso(-60), "ends_at": iso(3600),
                                   "config": foreign}, token=admin), 422, "invalid_game", what="another campaign's")
    check("coupon_promotion_id" in j["error"]["message"], j["error"]["message"])
    config = {"item_id": item_id, "answer_fen": 9900, "tolerance_fen": 100,
              "reward": {"coupon_promotion_id": promotion_id}}
    gid = make_game(ctx, admin, campaign_id, "guess_price", config)["id"]
    alice, bob = orders.shoppers(ctx, 2)
    ctx.expect(spin(ctx, alice, gid, {"price_fen": 9950}), 202, what="a winning guess")
    ctx.expect(spin(ctx, bob, gid, {"price_fen": 5000}), 202, what="a losing guess")
    ctx.sql("UPDATE game SET ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, starts_at = UTC_TIMESTAMP() - "
            "INTERVAL 1 HOUR WHERE id = %d" % gid)
    orders.wait_for(ctx, "SELECT settled_at IS NOT NULL FROM game WHERE id = %d" % gid, "1", "the guess settles")
    rows = ctx.sql("SELECT user_id, title, amount_fen, TIMESTAMPDIFF(SECOND, starts_at, expires_at) FROM coupon "
                   "WHERE campaign_id = %d" % campaign_id)
    eq([[int(r[0]), r[1], int(r[2]), int(r[3])] for r in rows], [[alice["id"], "转盘满减券", 600, 3 * 86400]],
       "the winner got the promotion's coupon, once")


# ---------------------------------------------------------------- auctions


def test_english_auction_bids_and_the_winners_order(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx, price=50000, stock=5)
    config = {"mode": "english", "item_id": item_id, "start_fen": 100, "step_fen": 100}
    gid = make_game(ctx, admin, campaign_id, "auction", config)["id"]
    alice, bob = orders.shoppers(ctx, 2)
    ctx.expect(spin(ctx, alice, gid, {"amount_fen": 99}), 409, "outbid", what="below the start")
    ctx.expect(spin(ctx, alice, gid, {"amount_fen": 100}), 200, what="the start")
    ctx.expect(spin(ctx, bob, gid, {"amount_fen": 199}), 409, "outbid", what="less than a step")
    ctx.expect(spin(ctx, bob, gid, {"amount_fen": 300}), 200, what="a raise")
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid), 200)
    eq((view["current_price_fen"], view["bids"]), (300, 2), "current price and bids")
    check("leading" not in view, "anonymous: no standing of its own")
    eq(ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=bob["token"]), 200)["leading"], True, "Bob leads")
    eq(ctx.expect(ctx.get("/api/v1/games/%d" % gid, token=alice["token"]), 200)["leading"], False,
       "Alice was outbid: the page can say so")
    # concurrent bids at the same amount: one wins, the rest are outbid
    bidders = orders.shoppers(ctx, 20)
    answers = ctx.concurrently([lambda who=who: spin(ctx, who, gid, {"amount_fen": 400}) for who in bidders],
                               what="20 bids of 400")
    statuses = sorted(r.status for r in answers)
    eq(statuses, [200] + [409] * 19, "one bid of 400 stands")
    winner = [who for who, r in zip(bidders, answers) if r.status == 200][0]
    eq(ctx.sql("SELECT winner_id, winning_fen FROM game WHERE id = %d" % gid)[0], [str(winner["id"]), "400"],
       "the highest bid")
    eq(ctx.sql_value("SELECT MAX(amount_fen) FROM game_play WHERE game_id = %d" % gid), "400", "bids stored")
    eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid), "3", "only standing bids stored")
    ctx.sql("UPDATE game SET ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, starts_at = UTC_TIMESTAMP() - "
            "INTERVAL 1 HOUR WHERE id = %d" % gid)
    ctx.expect(spin(ctx, alice, gid, {"amount_fen": 5000}), 410, "game_closed")
    orders.wait_for(ctx, "SELECT order_id IS NOT NULL FROM game WHERE id = %d" % gid, "1", "the winner's order")
    order_id = int(ctx.sql_value("SELECT order_id FROM game WHERE id = %d" % gid))
    eq(ctx.sql("SELECT user_id, status, total_fen FROM orders WHERE id = %d" % order_id)[0],
       [str(winner["id"]), "pending_payment", "400"], "an order at the winning price")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % order_id, token=winner["token"]), 200)
    eq(got["total_fen"], 400, "the winner sees the order")
    orders.check_stock(ctx, item_id, 5)


def test_100_concurrent_dutch_takers_make_one_winner(ctx):
    admin = operator(ctx)
    campaign_id, item_id = orders.make_item(ctx, price=50000, stock=3)
    config = {"mode": "dutch", "item_id": item_id, "start_fen": 10000, "floor_fen": 5000, "drop_fen": 1000,
              "drop_every_s": 60}
    gid = make_game(ctx, admin, campaign_id, "auction", config, starts_in=-150)["id"]
    view = ctx.expect(ctx.get("/api/v1/games/%d" % gid), 200)
    eq(view["current_price_fen"], 8000, "two drops after 150 s")
    takers = orders.shoppers(ctx, 100)
    answers = ctx.concurrently([lambda who=who: spin(ctx, who, gid) for who in takers], what="100 takers")
    statuses = [r.status for r in answers]
    eq(sorted(statuses), [200] + [410] * 99, "one taker")
    check(all(r.error_code == "game_closed" for r in answers if r.status == 410), "the rest: game_closed")
    won = [(who, r.json) for who, r in zip(takers, answers) if r.status == 200][0]
    eq(won[1]["amount_fen"], 8000, "at the current price")
    order = ctx.sql("SELECT user_id, status, total_fen FROM orders WHERE id = %d" % won[1]["order_id"])[0]
    eq(order, [str(won[0]["id"]), "pending_payment", "8000"], "the winner's order")
    eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid), "1", "one take stored")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE campaign_id = %d" % campaign_id), "1", "one order")
    orders.check_stock(ctx, item_id, 3)
    ctx.expect(spin(ctx, orders.shopper(ctx), gid), 410, "game_closed", what="later takers")


# ------------------------------------------------------------- leaderboard


def test_leaderboard_prizes_go_to_the_top_3_once(ctx):
    campaign_id, item_id = orders.make_item(ctx, price=50000, floor=30000)
    rewards = {"initiator": [], "helper": None,
               "leaderboard": [{"rank": 1, "prize": "冠军大礼包"}, {"rank": 2, "prize": "亚军礼包"},
                               {"rank": 3, "prize": "季军礼包"}]}
    text = json.dumps(rewards, ensure_ascii=False).encode().hex()
    ctx.sql("UPDATE campaign_item SET rewards_json = CONVERT(UNHEX('%s') USING utf8mb4) WHERE id = %d" % (text, item_id))
    people = orders.shoppers(ctx, 4)
    bargains = [orders.make_succeeded_bargain(ctx, who["id"], item_id) for who in people]
    # the fourth fastest first in id order: ranks come from the times
    for seconds, bargain_id in zip((900, 300, 100, 200), bargains):
        ctx.sql("UPDATE bargain SET succeeded_in_s = %d WHERE id = %d" % (seconds, bargain_id))
    board = ctx.expect(ctx.get("/api/v1/campaigns/%d/leaderboard" % campaign_id), 200)["items"]
    top = [row["bargain_id"] for row in board[:3]]
    eq(top, [bargains[2], bargains[3], bargains[1]], "the ranked bargains")
    ctx.sql("UPDATE campaign SET starts_at = UTC_TIMESTAMP() - INTERVAL 2 DAY, ends_at = UTC_TIMESTAMP() - "
            "INTERVAL 1 SECOND WHERE id = %d" % campaign_id)
    orders.wait_for(ctx, "SELECT COUNT(*) FROM game_leaderboard_award WHERE campaign_id = %d" % campaign_id, "1",
                    "the leaderboard is awarded")
    owner = {b: who["id"] for b, who in zip(bargains, people)}
    given = ctx.sql("SELECT user_id, title FROM prize WHERE campaign_id = %d ORDER BY title" % campaign_id)
    expected = sorted([(str(owner[top[0]]), "冠军大礼包"), (str(owner[top[1]]), "亚军礼包"),
                       (str(owner[top[2]]), "季军礼包")], key=lambda x: x[1])
    eq(sorted([tuple(r) for r in given], key=lambda x: x[1]), expected, "the top 3 get their prizes")
    eq(ctx.sql_value("SELECT COUNT(*) FROM reward_grant WHERE campaign_id = %d AND milestone LIKE 'rank:%%'"
                     % campaign_id), "3", "granted once each")
    time.sleep(int(ctx.conf.get("sweep_interval_s", "2")) * 2 + 1)
    eq(ctx.sql_value("SELECT COUNT(*) FROM prize WHERE campaign_id = %d" % campaign_id), "3", "still once")


# -------------------------------------------------------------- anti-fraud


def test_play_is_an_anti_fraud_scope(ctx):
    from test_fraud import Rules, marker
    admin = operator(ctx)
    campaign_id, _ = orders.make_item(ctx)
    prizes = [{"name": "耳机", "weight": 1, "stock": 5, "kind": "item"}]
    gid = make_game(ctx, admin, campaign_id, "wheel", wheel_config(prizes, spins_per_day=5))["id"]
    alice = orders.shopper(ctx)
    ua = marker()
    with Rules(ctx) as rules:
        rules.add("user_agent", "^" + ua + "$", "block", ["play"])
        r = ctx.post("/api/v1/games/%d/play" % gid, {}, token=alice["token"], ip=alice["ip"],
                     headers={"User-Agent": ua})
        ctx.expect(r, 403, "risk_rejected", what="a blocked spin")
        eq(ctx.sql_value("SELECT COUNT(*) FROM game_play WHERE game_id = %d" % gid), "0", "no play")
        eq(ctx.sql_value("SELECT stock_left FROM game_prize WHERE game_id = %d" % gid), "5", "stock untouched")
        eq(ctx.sql_value("SELECT COUNT(*) FROM fraud_event WHERE scope = 'play' AND action = 'block' "
                         "AND user_agent = '%s'" % ua), "1", "the blocked spin is recorded")
    ctx.expect(spin(ctx, alice, gid), 200, what="without the marker")
