"""The database door under failure: connections killed under the workers
are reconnected, and no error body leaks what went wrong."""

from kanjia import check, eq

ME = "/api/v1/me"


def kill_pool_connections(ctx):
    ids = [row[0] for row in ctx.sql(
        "SELECT id FROM information_schema.processlist WHERE user = 'kanjia' AND command <> 'Killed'")]
    for connection_id in ids:
        ctx.sql("KILL CONNECTION %d" % int(connection_id))
    return len(ids)


def test_lost_connections_are_reconnected(ctx):
    session = ctx.login()
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="before")
    killed = kill_pool_connections(ctx)
    check(killed >= 1, "the pool holds database connections")
    # every worker's connection is gone: each must reconnect on its next
    # statement, outside a transaction, and answer as if nothing happened
    for n in range(ctx.workers * 3):
        ctx.expect(ctx.get(ME, token=session["token"]), 200, what="request %d after the kill" % n)
    # a transaction (login) right after a kill starts on a fresh connection too
    kill_pool_connections(ctx)
    for n in range(ctx.workers * 2):
        ctx.login()


def test_duplicate_key_is_a_clean_conflict(ctx):
    # two logins racing to create the same new shopper: one insert wins,
    # the other sees the row; neither answers 500
    import threading
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    results = []

    def go():
        r = ctx.post("/api/v1/auth/login", {"phone": phone, "code": code})
        results.append(r.status)

    threads = [threading.Thread(target=go) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    eq(sorted(results), [200] + [401] * 7, "one login spends the code, the rest are refused")
    eq(ctx.sql_value("SELECT COUNT(*) FROM shopper WHERE phone = %s" % ctx.q(phone)), "1", "one shopper row")
