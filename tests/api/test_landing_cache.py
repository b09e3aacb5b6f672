"""The share landing kept by each worker (fcgi/bargain/landing_cache.h):
a kept landing costs MariaDB nothing, yet a help or an admin's edit made
through the pool shows on every worker's next answer at once; only a
change the pool cannot see (SQL by hand here, another app host in a
scale-out) waits out landing_cache_ms.

Each test runs with landing_cache_ms raised (a reload), so that "kept" and
"at once" are told apart by seconds, not milliseconds, and puts the
pool's config back after."""

import time

from kanjia import check, eq

import test_bargain
import test_campaigns
import test_round_trips
import test_zz_pool

ORDER = 76

KEPT_MS = 4000


class kept_for:
    """The pool's config with key (a keeping time) = ms, for a with block."""

    def __init__(self, ctx, ms, key="landing_cache_ms"):
        self.ctx, self.ms, self.key = ctx, ms, key

    def __enter__(self):
        with open(self.ctx.conf_path, encoding="utf-8") as f:
            self.original = f.read()
        text = test_zz_pool.config_without(self.original, (self.key,))
        test_zz_pool.settle(self.ctx, text + "%s = %d\n" % (self.key, self.ms))

    def __exit__(self, *exc):
        test_zz_pool.settle(self.ctx, self.original)


def landing(ctx, code, etag=None):
    headers = {"If-None-Match": etag} if etag else None
    return ctx.get("/api/v1/s/%s" % code, headers=headers)


def every_worker_keeps(ctx, code):
    """Every worker reads the landing twice: the first read learns the
    code's bargain, the second keeps it."""
    for _ in range(2):
        ctx.every_worker(lambda: landing(ctx, code), "the landing on every worker")


def answers_on_every_worker(ctx, code):
    answers = ctx.every_worker(lambda: landing(ctx, code), "the landing on every worker")
    return [ctx.expect(r, 200, what="landing") for rs in answers.values() for r in rs]


def bargain_with_landing(ctx):
    campaign_id, item_id = test_bargain.make_item(ctx)
    initiator = test_bargain.shopper(ctx)
    bargain = test_bargain.start(ctx, initiator, item_id)
    return campaign_id, item_id, bargain


def test_a_kept_landing_costs_no_statement(ctx):
    _, _, bargain = bargain_with_landing(ctx)
    code = bargain["share_code"]
    with kept_for(ctx, KEPT_MS):
        every_worker_keeps(ctx, code)
        etag = landing(ctx, code).header("ETag")
        costs = []
        for _ in range(test_round_trips.TRIES):
            # a re-poll answered 304 is not an open: nothing to count later
            cost, answers = test_round_trips.counted(
                ctx, lambda: [landing(ctx, code, etag) for _ in range(3 * ctx.workers)])
            for r in answers:
                eq(r.status, 304, "a re-poll of an unchanged landing")
            costs.append(cost)
        eq(min(costs), 0, "statements of %d re-polls of a kept landing, at the fewest (tries: %s)"
           % (3 * ctx.workers, costs))


def test_a_help_shows_on_every_worker_at_once(ctx):
    _, _, bargain = bargain_with_landing(ctx)
    code = bargain["share_code"]
    with kept_for(ctx, KEPT_MS):
        every_worker_keeps(ctx, code)
        helper = test_bargain.shopper(ctx)
        cut = test_bargain.help_(ctx, helper, code)["cut_fen"]
        started = time.monotonic()
        answers = answers_on_every_worker(ctx, code)
        check(time.monotonic() - started < KEPT_MS / 1000.0, "read back within the keeping time")
        for j in answers:
            eq(j["helpers"], 1, "helpers on a worker that kept the landing before the help")
            eq(j["current_price_fen"], bargain["current_price_fen"] - cut, "price after the help")
            eq(len(j["recent_helps"]), 1, "the help listed")


def test_an_admin_edit_shows_at_once_and_sql_by_hand_within_the_keeping_time(ctx):
    _, item_id, bargain = bargain_with_landing(ctx)
    code = bargain["share_code"]
    token = test_campaigns.admin_token(ctx)
    with kept_for(ctx, KEPT_MS):
        every_worker_keeps(ctx, code)
        # through the API: every worker's next answer has the new name
        r = ctx.request("PATCH", "/api/v1/admin/items/%d" % item_id, json_body={"name": "智能手表 新款"}, token=token)
        ctx.expect(r, 200, what="rename the item")
        started = time.monotonic()
        for j in answers_on_every_worker(ctx, code):
            eq(j["item"]["name"], "智能手表 新款", "the item's name after an admin's edit")
        check(time.monotonic() - started < KEPT_MS / 1000.0, "read back within the keeping time")
        # behind the pool's back: kept (the landing is served from memory)...
        every_worker_keeps(ctx, code)
        ctx.sql("UPDATE campaign_item SET name = '智能手表 改' WHERE id = %d" % item_id)
        changed_at = time.monotonic()
        names = [j["item"]["name"] for j in answers_on_every_worker(ctx, code)]
        if time.monotonic() - changed_at < KEPT_MS / 1000.0 - 0.5:
            check("智能手表 新款" in names, "a worker served its kept landing: %s" % names)
        # ...until landing_cache_ms has passed
        time.sleep(max(0.0, KEPT_MS / 1000.0 + 0.2 - (time.monotonic() - changed_at)))
        for j in answers_on_every_worker(ctx, code):
            eq(j["item"]["name"], "智能手表 改", "the name after landing_cache_ms")
