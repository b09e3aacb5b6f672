"""The database door under failure: connections killed under the workers
are reconnected, and no error body leaks what went wrong."""

import time

from kanjia import check, eq

ME = "/api/v1/me"


def kill_pool_connections(ctx):
    ids = [row[0] for row in ctx.sql(
        "SELECT id FROM information_schema.processlist WHERE user = 'kanjia' AND command <> 'Killed'")]
    for connection_id in ids:
        ctx.sql("KILL CONNECTION %d" % int(connection_id))
    return len(ids)


def prepared_logins(ctx, count):
    """count phones with a code sent, ready to log in: a list of
    (phone, code, ip) to pop from, so that the racing requests are the
    logins alone."""
    def one():
        phone, ip = ctx.new_phone(), ctx.new_ip()
        ctx.send_sms(phone, ip=ip)
        return phone, ctx.latest_code(phone), ip
    return ctx.concurrently([one] * count, what="%d SMS before the logins" % count, batch=16)


def test_lost_connections_are_reconnected(ctx):
    session = ctx.login()
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="before")
    killed = kill_pool_connections(ctx)
    check(killed >= 1, "the pool holds database connections")
    # Every worker's connection is gone: each must reconnect on its next
    # statement, outside a transaction, and answer as if nothing happened.
    # Requests go until every worker pid has answered (the pool's log).
    served = ctx.every_worker(lambda: ctx.get(ME, token=session["token"]), "GET /me after the kill")
    eq({pid: sorted({r.status for r in got}) for pid, got in served.items()},
       {pid: [200] for pid in served}, "answers per worker after the kill")
    # A transaction (login) right after a kill starts on a fresh connection
    # too, on every worker.
    ready = prepared_logins(ctx, 24 * ctx.workers)
    kill_pool_connections(ctx)

    def login():
        phone, code, ip = ready.pop()  # list.pop is atomic
        r = ctx.post("/api/v1/auth/login", {"phone": phone, "code": code}, ip=ip)
        ctx.secrets.add((r.json or {}).get("token", ""))
        return r

    served = ctx.every_worker(login, "logins after the kill", rounds=12)  # 12 bursts of 2 per worker
    eq({pid: sorted({r.status for r in got}) for pid, got in served.items()},
       {pid: [200] for pid in served}, "logins per worker after the kill")


def test_concurrent_logins_with_one_code(ctx):
    # Eight logins racing with the one code of a new phone: the code row is
    # locked (FOR UPDATE), so exactly one spends it; the rest are refused.
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    answers = ctx.concurrently([lambda: ctx.post("/api/v1/auth/login", {"phone": phone, "code": code})] * 8,
                               what="8 logins with one code")
    eq(sorted(r.status for r in answers), [200] + [401] * 7, "one login spends the code, the rest are refused")
    eq(ctx.sql_value("SELECT COUNT(*) FROM shopper WHERE phone = %s" % ctx.q(phone)), "1", "one shopper row")


def test_duplicate_key_is_a_clean_conflict(ctx):
    # Admin accounts racing for one username: the unique key on
    # admin.username decides (no check before the INSERT), so every loser
    # reaches a real duplicate-key error, which must be a clean 409
    # conflict, never a 500 or a leak.
    from test_admin import admin_session
    owner = admin_session(ctx, "owner")["token"]
    name = "dup%d" % int(time.time() * 1000 % 10 ** 9)
    body = {"username": name, "password": "a long enough password", "roles": ["operator"]}
    answers = ctx.concurrently([lambda: ctx.post("/api/v1/admin/admins", body, token=owner)] * 6,
                               what="6 creations of one admin username")
    eq(sorted(r.status for r in answers), [201] + [409] * 5, "one account made, the rest refused")
    for r in answers:
        if r.status == 409:
            eq(r.error_code, "conflict", "the refusal's code")
    eq(ctx.sql_value("SELECT COUNT(*) FROM admin WHERE username = %s" % ctx.q(name)), "1", "one admin row")
    # and once more, alone: the same clean conflict
    ctx.expect(ctx.post("/api/v1/admin/admins", body, token=owner), 409, "conflict", what="a later duplicate")
