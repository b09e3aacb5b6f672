"""GET /api/v1/me, POST /api/v1/auth/logout, revocation by token_version and
by blocking."""

import time

from kanjia import check, eq

ORDER = 40

ME = "/api/v1/me"
LOGOUT = "/api/v1/auth/logout"


def test_me_answer(ctx):
    session = ctx.login()
    r = ctx.get(ME, token=session["token"])
    j = ctx.expect(r, 200)
    eq(j["id"], session["user"]["id"], "id")
    eq(j["phone_masked"], session["user"]["phone_masked"], "phone_masked")
    eq(j["coupon_count"], 0, "coupon_count")
    eq(j["points_balance"], 0, "points_balance")
    check(session["phone"] not in r.body.decode(), "the full phone is in /me")
    check("no-store" in (r.header("Cache-Control") or ""), "Cache-Control %r" % r.header("Cache-Control"))


def test_me_counts_available_coupons_and_points(ctx):
    session = ctx.login()
    uid = session["user"]["id"]
    ctx.sql("INSERT INTO coupon (user_id, title, amount_fen, min_spend_fen, starts_at, expires_at, status, created_at) "
            "VALUES (%d, 'a', 500, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 DAY, 'available', UTC_TIMESTAMP()), "
            "(%d, 'b', 500, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 DAY, 'available', UTC_TIMESTAMP()), "
            "(%d, 'used', 500, 0, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 DAY, 'used', UTC_TIMESTAMP()), "
            "(%d, 'expired', 500, 0, UTC_TIMESTAMP() - INTERVAL 2 DAY, UTC_TIMESTAMP() - INTERVAL 1 DAY, "
            "'available', UTC_TIMESTAMP())" % (uid, uid, uid, uid))
    ctx.sql("UPDATE shopper SET points_balance = 1234 WHERE id = %d" % uid)
    j = ctx.expect(ctx.get(ME, token=session["token"]), 200)
    eq(j["coupon_count"], 2, "coupon_count (available, unexpired)")
    eq(j["points_balance"], 1234, "points_balance")


def test_me_without_token_401(ctx):
    ctx.expect(ctx.get(ME), 401, "unauthorized")
    ctx.expect(ctx.post(LOGOUT), 401, "unauthorized", what="logout without a token")


def test_logout_204_then_token_refused(ctx):
    session = ctx.login()
    token = session["token"]
    r = ctx.post(LOGOUT, token=token)
    ctx.expect(r, 204)
    eq(r.body, b"", "204 body")
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=token), 401, "unauthorized", what="/me after logout")
    ctx.expect(ctx.post(LOGOUT, token=token), 401, "unauthorized", what="a second logout")
    # The revocation is kept exactly as long as the token would have lived.
    import base64
    import json
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    eq(ctx.sql_value("SELECT UNIX_TIMESTAMP(expires_at) FROM revoked_token WHERE jti = %s" % ctx.q(claims["jti"])),
       str(claims["exp"]), "revoked_token.expires_at")
    # Logging in again gives a working token for the same user.
    again = ctx.login(session["phone"])
    eq(again["user"]["id"], session["user"]["id"], "user id after logging in again")
    ctx.expect(ctx.get(ME, token=again["token"]), 200, what="a new token after logout")


def test_logout_with_empty_json_body(ctx):
    session = ctx.login()
    r = ctx.post(LOGOUT, {}, token=session["token"])
    ctx.expect(r, 204)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=session["token"]), 401, "unauthorized")


def test_logout_revokes_only_that_token(ctx):
    first = ctx.login()
    second = ctx.login(first["phone"])
    eq(second["user"]["id"], first["user"]["id"], "same user")
    ctx.expect(ctx.post(LOGOUT, token=first["token"]), 204)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=first["token"]), 401, "unauthorized", what="the logged-out token")
    j = ctx.expect(ctx.get(ME, token=second["token"]), 200, what="the other token of the same user")
    eq(j["id"], first["user"]["id"], "id")


def test_token_version_bump_revokes_all(ctx):
    first = ctx.login()
    second = ctx.login(first["phone"])
    uid = first["user"]["id"]
    ctx.sql("UPDATE shopper SET token_version = token_version + 1 WHERE id = %d" % uid)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=first["token"]), 401, "unauthorized", what="first token after the bump")
    ctx.expect(ctx.get(ME, token=second["token"]), 401, "unauthorized", what="second token after the bump")
    third = ctx.login(first["phone"])
    ctx.expect(ctx.get(ME, token=third["token"]), 200, what="a token issued after the bump")


def test_blocked_user_401(ctx):
    session = ctx.login()
    uid = session["user"]["id"]
    ctx.sql("UPDATE shopper SET blocked = 1 WHERE id = %d" % uid)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=session["token"]), 401, "unauthorized", what="/me of a blocked user")
    ctx.expect(ctx.post(LOGOUT, token=session["token"]), 401, "unauthorized", what="logout of a blocked user")
    # A blocked user cannot log in again either (no token comes out).
    ctx.skip_gap(session["phone"])
    ctx.send_sms(session["phone"])
    r = ctx.post("/api/v1/auth/login", {"phone": session["phone"], "code": ctx.latest_code(session["phone"])})
    check(r.status in (401, 403) and "token" not in (r.json or {}), "login of a blocked user: %s" % r.short())
    ctx.sql("UPDATE shopper SET blocked = 0 WHERE id = %d" % uid)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="after unblocking")


def test_deleted_user_token_401(ctx):
    session = ctx.login()
    uid = session["user"]["id"]
    ctx.sql("DELETE FROM shopper WHERE id = %d" % uid)
    ctx.wait_session_cache()
    ctx.expect(ctx.get(ME, token=session["token"]), 401, "unauthorized")


def test_bearer_scheme_variants(ctx):
    session = ctx.login()
    token = session["token"]
    ok = ctx.request("GET", ME, headers={"Authorization": "bearer " + token})
    ctx.expect(ok, 200, what="lower-case scheme")
    for value in ("Basic " + token, "Token " + token, token, "Bearer" + token, "Bearer " + token + " x",
                  "Bearer " + token + ".", "Bearer ." + token):
        r = ctx.request("GET", ME, headers={"Authorization": value})
        ctx.expect(r, 401, "unauthorized", what="Authorization %r" % value[:12])


def test_logout_and_block_take_effect_on_every_worker_within_a_second(ctx):
    # Every worker keeps a token's revocation state for at most a second
    # (fcgi/http/session.c): warm every worker with the token, revoke it,
    # and a second later no worker accepts it.
    session = ctx.login()
    served = ctx.every_worker(lambda: ctx.get(ME, token=session["token"]), "/me before logout")
    check(all(r.status == 200 for got in served.values() for r in got), "every worker accepts the token")
    ctx.expect(ctx.post(LOGOUT, token=session["token"]), 204)
    ctx.wait_session_cache()
    served = ctx.every_worker(lambda: ctx.get(ME, token=session["token"]), "/me after logout")
    check(all(r.status == 401 for got in served.values() for r in got), "every worker refuses the logged-out token")

    again = ctx.login(session["phone"])
    uid = again["user"]["id"]
    served = ctx.every_worker(lambda: ctx.get(ME, token=again["token"]), "/me before the block")
    check(all(r.status == 200 for got in served.values() for r in got), "every worker accepts the new token")
    ctx.sql("UPDATE shopper SET blocked = 1 WHERE id = %d" % uid)
    try:
        ctx.wait_session_cache()
        served = ctx.every_worker(lambda: ctx.get(ME, token=again["token"]), "/me after the block")
        check(all(r.status == 401 for got in served.values() for r in got), "every worker refuses a blocked user")
    finally:
        ctx.sql("UPDATE shopper SET blocked = 0 WHERE id = %d" % uid)


def revocations(ctx):
    """The ways a shopper's token stops being good, each as (what, revoke(shopper))."""
    return (("logged out", lambda who: ctx.expect(ctx.post(LOGOUT, token=who["token"]), 204)),
            ("blocked", lambda who: ctx.sql("UPDATE shopper SET blocked = 1 WHERE id = %d" % who["id"])),
            ("token version bumped",
             lambda who: ctx.sql("UPDATE shopper SET token_version = token_version + 1 WHERE id = %d" % who["id"])))


def revoked_shopper(ctx, login, revoke):
    """A shopper just logged in whose token revoke() made bad, past every worker's memory of it."""
    who = login(ctx)
    revoke(who)
    ctx.wait_session_cache()
    return who


def nothing_written(ctx, counts, who, what):
    """Each query of counts (formatted with who's id) counts 0 rows."""
    for label, query in counts:
        eq(int(ctx.sql_value(query % who["id"])), 0, "%s of a refused caller (%s)" % (label, what))


def test_a_help_confirms_the_session_with_its_load(ctx):
    # The help route reads its caller's revocation state with the bargain
    # (AUTH_SHOPPER_FOLDED, fcgi/http/session.h): a logged-out, blocked,
    # version-bumped or deleted helper is refused before anything is
    # written, on a code that exists and on one that does not.
    import test_bargain
    _, item_id = test_bargain.make_item(ctx, rewards={})
    owner = test_bargain.shopper(ctx)
    b = test_bargain.start(ctx, owner, item_id)
    code = b["share_code"]
    for what, revoke in revocations(ctx):
        helper = revoked_shopper(ctx, test_bargain.shopper, revoke)
        for target in (code, "0" * 16, "A" * 15):
            r = ctx.post("/api/v1/s/%s/help" % target, token=helper["token"], ip=helper["ip"])
            ctx.expect(r, 401, "unauthorized", what="%s, help on %s" % (what, target))
        nothing_written(ctx, (("cuts", "SELECT COUNT(*) FROM bargain_cut WHERE helper_id = %d"),
                              ("daily help counter", "SELECT COUNT(*) FROM rate_counter WHERE bucket = 'helps:%d'")),
                        helper, what)

    # a token whose user is gone: its own claims, no such shopper
    gone = {"token": ctx.forge(ctx.claims(2000000000 + (int(time.time()) % 1000000))), "id": 0, "ip": ctx.new_ip()}
    for target in (code, "0" * 16):
        ctx.expect(ctx.post("/api/v1/s/%s/help" % target, token=gone["token"], ip=gone["ip"]), 401, "unauthorized",
                   what="a token of no shopper, help on %s" % target)

    # and a fresh token that is fine helps at once
    helper = test_bargain.shopper(ctx)
    j = test_bargain.help_(ctx, helper, code)
    eq(j["bargain"]["helpers"], 1, "the one accepted help")
    test_bargain.check_bargain_sums(ctx, b["id"])


def test_an_order_confirms_the_session_with_its_facts(ctx):
    # POST /api/v1/orders reads its caller's revocation state with the
    # order's facts (AUTH_SHOPPER_FOLDED): a refused buyer is refused before
    # anything is written, whatever its body, and no stock moves.
    import test_orders
    _, item_id = test_orders.make_item(ctx, stock=5)
    bad_bodies = (("no lines", {"lines": [], "address": test_orders.body(item_id)["address"]}),
                  ("a wrong type", {"lines": "x"}))
    for what, revoke in revocations(ctx):
        buyer = revoked_shopper(ctx, test_orders.shopper, revoke)
        for shape, order_body in (("a good body", test_orders.body(item_id)),) + bad_bodies:
            r = test_orders.place(ctx, buyer, order_body, key=test_orders.new_key())
            ctx.expect(r, 401, "unauthorized", what="an order of a %s buyer with %s" % (what, shape))
        nothing_written(ctx, (("orders", "SELECT COUNT(*) FROM orders WHERE user_id = %d"),
                              ("keys", "SELECT COUNT(*) FROM idempotency_key WHERE user_id = %d")), buyer, what)
    test_orders.check_stock(ctx, item_id, 5)
    eq(test_orders.stock(ctx, item_id)[1], 5, "stock left after the refused orders")
    buyer = test_orders.shopper(ctx)
    ctx.expect(test_orders.place(ctx, buyer, test_orders.body(item_id), key=test_orders.new_key()), 201,
               what="an order of a fine buyer")
