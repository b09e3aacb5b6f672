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
