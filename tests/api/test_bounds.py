"""Bounds on numbers that come from outside (issue 12): money is refused
above MONEY_MAX_FEN (one billion yuan) before any arithmetic can overflow."""

from kanjia import check, eq
from test_admin import admin_session

A = "/api/v1/admin"
MONEY_MAX_FEN = 100_000_000_000


def test_cut_plan_preview_refuses_amounts_past_the_money_bound(ctx):
    token = admin_session(ctx, "owner")["token"]
    # Around 10^17 fen the old preview multiplied its way past 2^63 and
    # answered a plan that did not add up.
    huge = {"original_price_fen": 2 * 10**17, "floor_price_fen": 0, "cut_min_fen": 10**14,
            "cut_max_fen": 10**15, "target_cuts": 500}
    ctx.expect(ctx.post(A + "/cut-plan/preview", huge, token=token), 400, "invalid_field")
    for field in ("original_price_fen", "floor_price_fen", "cut_min_fen", "cut_max_fen"):
        body = {"original_price_fen": MONEY_MAX_FEN, "floor_price_fen": 0, "cut_min_fen": 1,
                "cut_max_fen": MONEY_MAX_FEN, "target_cuts": 3}
        body[field] = MONEY_MAX_FEN + 1
        ctx.expect(ctx.post(A + "/cut-plan/preview", body, token=token), 400, "invalid_field")
    # At the bound the plan is whole and exact.
    body = {"original_price_fen": MONEY_MAX_FEN, "floor_price_fen": 0, "cut_min_fen": 1,
            "cut_max_fen": MONEY_MAX_FEN, "target_cuts": 500}
    j = ctx.expect(ctx.post(A + "/cut-plan/preview", body, token=token), 200, what="preview at the bound")
    eq((len(j["plan"]), sum(j["plan"])), (500, MONEY_MAX_FEN), "500 cuts summing to the whole distance")
    check(all(1 <= x <= MONEY_MAX_FEN for x in j["plan"]), "each cut in range")
    check(j["plan"] == sorted(j["plan"], reverse=True), "the plan decays")


# ------------------------------------------------------------ beyond 2038

def test_campaign_times_after_2038_are_written_and_read_back(ctx):
    token = admin_session(ctx, "owner")["token"]
    rules = {"cut_min_fen": 100, "cut_max_fen": 500}
    body = {"title": "2040 年的活动", "starts_at": "2040-02-29T12:00:00Z", "ends_at": "2100-01-01T00:00:00Z",
            "items": [{"name": "未来商品", "images": [], "original_price_fen": 10000, "floor_price_fen": 5000,
                       "stock": 3, "rules": rules, "rewards": {}}]}
    j = ctx.expect(ctx.post(A + "/campaigns", body, token=token), 201, what="create a 2040 campaign")
    cid = j["id"]
    eq((j["starts_at"], j["ends_at"], j["status"]), ("2040-02-29T12:00:00Z", "2100-01-01T00:00:00Z", "upcoming"),
       "the answer")
    j = ctx.expect(ctx.get(A + "/campaigns/%d" % cid, token=token), 200, what="read back")
    eq((j["starts_at"], j["ends_at"]), ("2040-02-29T12:00:00Z", "2100-01-01T00:00:00Z"), "read back")
    eq(ctx.sql("SELECT starts_at, ends_at FROM campaign WHERE id = %d" % cid),
       [["2040-02-29 12:00:00", "2100-01-01 00:00:00"]], "stored as DATETIME in UTC")
    r = ctx.request("PATCH", A + "/campaigns/%d" % cid, json_body={"ends_at": "9999-12-31T23:59:59Z"}, token=token)
    j = ctx.expect(r, 200, what="patch to the last second DATETIME holds")
    eq(j["ends_at"], "9999-12-31T23:59:59Z", "patched")
    r = ctx.request("PATCH", A + "/campaigns/%d" % cid, json_body={"ends_at": "9999-12-31T23:59:59-01:00"},
                    token=token)
    check(r.status in (400, 422), "a time past 9999 is refused, not stored as NULL: %s" % r.short())
    j = ctx.expect(ctx.get("/api/v1/campaigns/%d" % cid), 200, what="the public read")
    eq((j["starts_at"], j["ends_at"]), ("2040-02-29T12:00:00Z", "9999-12-31T23:59:59Z"), "public read")


def test_no_sql_converts_times_through_32_bit_functions(ctx):
    # FROM_UNIXTIME and UNIX_TIMESTAMP stop at 2038-01-19 in MariaDB 10.11:
    # times go through TIMESTAMPADD/TIMESTAMPDIFF from the epoch instead.
    import glob
    import os
    import re
    repo = ctx.repo or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    offenders = []
    for path in glob.glob(os.path.join(repo, "fcgi", "**", "*.[ch]"), recursive=True):
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if re.search(r"\b(FROM_UNIXTIME|UNIX_TIMESTAMP)\s*\(", line):
                    offenders.append("%s:%d" % (os.path.relpath(path, repo), number))
    eq(offenders, [], "SQL with FROM_UNIXTIME or UNIX_TIMESTAMP")
