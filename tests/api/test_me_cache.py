"""A shopper's GET /me kept by each worker (fcgi/shopper/me_cache.h): a
kept /me costs MariaDB nothing, yet the shopper's own write, a friend's
help that grants the shopper a reward, a payment's notice and an admin's
edit made through the pool show on every worker's next answer at once;
only a change the pool cannot see (SQL by hand here, another app host in a
scale-out) waits out me_cache_ms.

Each test runs with me_cache_ms raised (a reload), so that "kept" and "at
once" are told apart by seconds, not milliseconds, and puts the pool's
config back after."""

import time

from kanjia import check, eq

import test_bargain
import test_orders
import test_promotions
import test_round_trips
from test_landing_cache import kept_for

ORDER = 76

KEPT_MS = 4000
ME = "/api/v1/me"
LEVELS = "%s/member-levels" % test_promotions.A


def kept(ctx):
    return kept_for(ctx, KEPT_MS, key="me_cache_ms")


def me(ctx, who):
    return ctx.get(ME, token=who["token"], ip=who["ip"])


def me_on_every_worker(ctx, who):
    """Every worker answers who's /me (and so keeps it); the answers."""
    answers = ctx.every_worker(lambda: me(ctx, who), "/me on every worker")
    return [ctx.expect(r, 200, what="me") for rs in answers.values() for r in rs]


def shows_at_once(ctx, who, what, field, value):
    started = time.monotonic()
    answers = me_on_every_worker(ctx, who)
    check(time.monotonic() - started < KEPT_MS / 1000.0, "read back within the keeping time")
    for j in answers:
        eq(j[field], value, "%s on a worker that kept /me before %s" % (field, what))


def test_a_kept_me_costs_no_statement(ctx):
    alice = test_bargain.shopper(ctx)
    with kept(ctx):
        costs = []
        for _ in range(test_round_trips.TRIES):
            # every worker keeps /me and knows the session (for a second)
            me_on_every_worker(ctx, alice)
            cost, answers = test_round_trips.counted(ctx, lambda: [me(ctx, alice) for _ in range(3 * ctx.workers)])
            for r in answers:
                eq(ctx.expect(r, 200, what="me")["id"], alice["id"], "the shopper's own /me")
            costs.append(cost)
        eq(min(costs), 0, "statements of %d reads of a kept /me, at the fewest (tries: %s)"
           % (3 * ctx.workers, costs))


def test_the_shoppers_own_help_and_a_friends_help_show_at_once(ctx):
    _, item_id = test_bargain.make_item(ctx)  # a coupon per help, one at 2 helpers
    alice, bob, carol = (test_bargain.shopper(ctx) for _ in range(3))
    code = test_bargain.start(ctx, alice, item_id)["share_code"]
    other = test_bargain.start(ctx, bob, item_id)["share_code"]
    with kept(ctx):
        for j in me_on_every_worker(ctx, alice):
            eq(j["coupon_count"], 0, "no coupon yet")
        # alice's own write: her helper's coupon
        test_bargain.help_(ctx, alice, other)
        shows_at_once(ctx, alice, "her own help", "coupon_count", 1)
        # two friends' helps: the second grants alice her milestone coupon
        test_bargain.help_(ctx, bob, code)
        shows_at_once(ctx, alice, "a friend's help", "coupon_count", 1)
        test_bargain.help_(ctx, carol, code)
        shows_at_once(ctx, alice, "the help that reached her milestone", "coupon_count", 2)


def test_a_payment_and_an_admin_edit_show_at_once_and_sql_by_hand_within_the_keeping_time(ctx):
    before = ctx.expect(ctx.get(LEVELS, token=test_promotions.admin(ctx)), 200, what="levels")
    try:
        _, item_id = test_orders.make_item(ctx, price=10000, stock=5)
        alice = test_orders.shopper(ctx)
        with kept(ctx):
            r = ctx.request("PUT", LEVELS, json_body={"levels": [{"level": 1, "name": "银卡", "min_paid_fen": 0},
                                                                 {"level": 2, "name": "金卡", "min_paid_fen": 100}]},
                            token=test_promotions.admin(ctx))
            ctx.expect(r, 200, what="put levels")
            for j in me_on_every_worker(ctx, alice):
                eq((j["member_level"], j["member_level_name"]), (1, "银卡"), "level 1 before paying")
            # the order and its payment are alice's writes, the payment's
            # notice the provider's
            order = ctx.expect(test_orders.place(ctx, alice, test_orders.body(item_id)), 201, what="order")
            p = test_orders.pay(ctx, alice, order["id"])
            for j in me_on_every_worker(ctx, alice):
                eq(j["member_level"], 1, "level 1 until the payment's notice")
            r = test_orders.notify(ctx, {"payment_id": p["payment_id"], "order_id": order["id"],
                                         "amount_fen": p["amount_fen"], "status": "success"})
            eq(ctx.expect(r, 200, what="notify")["outcome"], "paid", "notify outcome")
            shows_at_once(ctx, alice, "the payment's notice", "member_level", 2)
            # an admin's edit of the levels
            r = ctx.request("PUT", LEVELS, json_body={"levels": [{"level": 3, "name": "钻石", "min_paid_fen": 0}]},
                            token=test_promotions.admin(ctx))
            ctx.expect(r, 200, what="put levels")
            shows_at_once(ctx, alice, "an admin's edit", "member_level_name", "钻石")
            # behind the pool's back: kept (served from memory)...
            balance = me_on_every_worker(ctx, alice)[0]["points_balance"]
            ctx.sql("UPDATE shopper SET points_balance = points_balance + 7 WHERE id = %d" % alice["id"])
            changed_at = time.monotonic()
            balances = [j["points_balance"] for j in me_on_every_worker(ctx, alice)]
            if time.monotonic() - changed_at < KEPT_MS / 1000.0 - 0.5:
                check(balance in balances, "a worker served its kept /me: %s" % balances)
            # ...until me_cache_ms has passed
            time.sleep(max(0.0, KEPT_MS / 1000.0 + 0.2 - (time.monotonic() - changed_at)))
            for j in me_on_every_worker(ctx, alice):
                eq(j["points_balance"], balance + 7, "the balance after me_cache_ms")
    finally:
        r = ctx.request("PUT", LEVELS, json_body={"levels": before["levels"]}, token=test_promotions.admin(ctx))
        ctx.expect(r, 200, what="put the levels back")
