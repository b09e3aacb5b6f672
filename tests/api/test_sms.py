"""POST /api/v1/auth/sms: shape, outbox, code storage, gap, hourly and
daily limits per phone, per-IP counting, concurrency."""

import re
import threading
import time

from kanjia import check, eq

ORDER = 20

SMS = "/api/v1/auth/sms"


def test_sms_valid_phone_202_and_one_outbox_row(ctx):
    phone = ctx.new_phone()
    r = ctx.post(SMS, {"phone": phone})
    j = ctx.expect(r, 202)
    eq(j, {"resend_after_s": ctx.sms_gap_s}, "body")
    eq(ctx.sms_gap_s, 60, "configured resend gap (API.md: 60)")
    bodies = ctx.outbox(phone)
    eq(len(bodies), 1, "outbox rows for the phone")
    runs = re.findall(r"\d+", bodies[0])
    six = [run for run in runs if len(run) == 6]
    eq(len(six), 1, "runs of exactly six digits in %r" % bodies[0])
    check(all(len(run) != 6 or run == six[0] for run in runs), "body %r" % bodies[0])
    ctx.secrets.add(six[0])


def test_sms_every_prefix_1_3_to_1_9_is_valid(ctx):
    for second in "3456789":
        phone = ctx.new_phone()
        phone = "1" + second + phone[2:]
        ctx.secrets.add(phone)
        r = ctx.post(SMS, {"phone": phone})
        ctx.expect(r, 202, what="phone 1%s........." % second)


def test_sms_invalid_phones_400(ctx):
    base = ctx.new_phone()
    bad = [
        base[:10],                 # 10 digits
        base + "0",                # 12 digits
        "2" + base[1:],            # starts with 2
        "12" + base[2:],           # 12...
        "10" + base[2:],           # 10...
        "11" + base[2:],           # 11...
        base[:5] + "abcd" + base[9:],  # letters
        "+86" + base,              # country code
        base[:3] + " " + base[4:],  # a space
        base[:3] + "-" + base[4:],
        "",
        "１３８００１３８０００",        # full-width digits
        "0" + base[1:],
    ]
    for phone in bad:
        r = ctx.post(SMS, {"phone": phone})
        ctx.expect(r, 400, "invalid_phone", what="phone %r" % phone)
    for value in (int(base), None, [base], {"n": base}, True, 13800138000.0):
        r = ctx.post(SMS, {"phone": value})
        check(r.status == 400, "non-string phone %r: %s" % (value, r.short()))
    eq(ctx.outbox(base), [], "outbox rows")
    eq(ctx.sql_value("SELECT COUNT(*) FROM sms_outbox WHERE phone = %s OR phone = %s"
                     % (ctx.q(base[:10]), ctx.q("2" + base[1:]))), "0", "rows for bad phones")


def test_sms_second_send_within_gap_429(ctx):
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited")
    retry = r.header("Retry-After")
    check(retry is not None and retry.isdigit(), "Retry-After %r" % retry)
    check(1 <= int(retry) <= 60, "Retry-After %s not in 1..60" % retry)
    # From another IP too: the gap is per phone.
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited", what="from another IP")
    eq(len(ctx.outbox(phone)), 1, "outbox rows")
    eq(ctx.counter("sms:phone:hour:" + phone), 1, "hour counter after refused sends")


def test_sms_retry_after_counts_down(ctx):
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    ctx.sql("UPDATE rate_counter SET window_start = window_start - 50 WHERE bucket = %s" % ctx.q("sms:gap:" + phone))
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited")
    check(1 <= int(r.header("Retry-After")) <= 11, "Retry-After %r after 50 s of 60" % r.header("Retry-After"))


def test_sms_send_after_gap_works_and_burns_old_code(ctx):
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    first = ctx.latest_code(phone)
    ctx.skip_gap(phone)
    ctx.send_sms(phone)
    second = ctx.latest_code(phone)
    eq(len(ctx.outbox(phone)), 2, "outbox rows")
    eq(ctx.sql_value("SELECT COUNT(*) FROM sms_code WHERE phone = %s AND used_at IS NULL" % ctx.q(phone)), "1",
       "live codes for the phone")
    if first != second:
        r = ctx.post("/api/v1/auth/login", {"phone": phone, "code": first})
        ctx.expect(r, 401, "invalid_code", what="the older code after a resend")
    r = ctx.post("/api/v1/auth/login", {"phone": phone, "code": second})
    ctx.expect(r, 200, what="the newest code")
    ctx.secrets.add(r.json["token"])


def test_sms_code_stored_as_digest(ctx):
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    rows = ctx.sql("SELECT LENGTH(code_digest), HEX(code_digest), "
                   "LOCATE(%s, code_digest) FROM sms_code WHERE phone = %s" % (ctx.q(code), ctx.q(phone)))
    eq(len(rows), 1, "sms_code rows")
    length, digest_hex, position = rows[0]
    eq(length, "32", "code_digest length")
    eq(position, "0", "the code's digits found as text in code_digest")
    check(code.encode().hex().upper() not in digest_hex, "code as ASCII inside the digest")
    check(digest_hex != "00" * 32, "all-zero digest")
    # The digest is keyed: a plain SHA-256 of the code (or phone:code) is not it.
    import hashlib
    for text in (code, phone + code, phone + ":" + code, code + phone):
        check(hashlib.sha256(text.encode()).hexdigest().upper() != digest_hex, "digest is an unkeyed SHA-256")
    for table, column in (("sms_code", "CONCAT_WS(',', id, phone, created_at, expires_at, tries, used_at)"),):
        dump = " ".join(r[0] or "" for r in ctx.sql("SELECT %s FROM %s WHERE phone = %s" % (column, table, ctx.q(phone))))
        check(code not in dump.replace(phone, ""), "the code appears in sms_code")


def test_sms_concurrent_sends_one_phone(ctx):
    phone = ctx.new_phone()
    count = 20
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def send(i, ip):
        try:
            barrier.wait(timeout=10)
            results[i] = ctx.post(SMS, {"phone": phone}, ip=ip)
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))

    threads = [threading.Thread(target=send, args=(i, ctx.new_ip())) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check(not errors, "request errors: %s" % errors[:3])
    statuses = sorted(r.status for r in results)
    eq(statuses.count(202), 1, "202 answers among %s" % statuses)
    eq(statuses.count(429), count - 1, "429 answers among %s" % statuses)
    for r in results:
        if r.status == 429:
            eq(r.error_code, "rate_limited", "code")
            check(1 <= int(r.header("Retry-After") or 0) <= 60, "Retry-After %r" % r.header("Retry-After"))
    eq(len(ctx.outbox(phone)), 1, "outbox rows")
    eq(ctx.sql_value("SELECT COUNT(*) FROM sms_code WHERE phone = %s" % ctx.q(phone)), "1", "sms_code rows")
    eq(ctx.counter("sms:phone:hour:" + phone), 1, "hour counter")


def test_sms_ip_hour_counter_counts_sends_from_that_ip(ctx):
    ctx.wait_hour_boundary()
    ip = ctx.new_ip()
    phones = [ctx.new_phone() for _ in range(3)]
    for phone in phones:
        ctx.send_sms(phone, ip=ip)
    eq(ctx.counter("sms:ip:hour:" + ip), 3, "sms:ip:hour counter after 3 sends")
    eq(ctx.counter("sms:ip:day:" + ip), 3, "sms:ip:day counter after 3 sends")
    # A refused send (gap) counts nothing, anywhere.
    r = ctx.post(SMS, {"phone": phones[0]}, ip=ip)
    ctx.expect(r, 429, "rate_limited")
    eq(ctx.counter("sms:ip:hour:" + ip), 3, "sms:ip:hour counter after a refused send")
    # An invalid phone counts nothing either.
    r = ctx.post(SMS, {"phone": "123"}, ip=ip)
    ctx.expect(r, 400, "invalid_phone")
    eq(ctx.counter("sms:ip:hour:" + ip), 3, "sms:ip:hour counter after an invalid phone")


def test_sms_ip_hour_limit(ctx):
    limit = ctx.sms_ip_per_hour
    if limit > 1000:
        # Count it down through the table instead: pretend this IP already
        # sent limit - 1 messages this hour.
        ctx.wait_hour_boundary()
        ip = ctx.new_ip()
        ctx.send_sms(ctx.new_phone(), ip=ip)
        ctx.sql("UPDATE rate_counter SET hits = %d WHERE bucket = %s" % (limit - 1, ctx.q("sms:ip:hour:" + ip)))
    else:
        ctx.wait_hour_boundary(margin=60)
        ip = ctx.new_ip()
        for _ in range(limit - 1):
            ctx.send_sms(ctx.new_phone(), ip=ip)
    ctx.send_sms(ctx.new_phone(), ip=ip)  # the limit-th send still goes
    phone = ctx.new_phone()
    r = ctx.post(SMS, {"phone": phone}, ip=ip)
    ctx.expect(r, 429, "rate_limited", what="send %d from one IP in an hour" % (limit + 1))
    retry = int(r.header("Retry-After") or 0)
    check(1 <= retry <= 3600, "Retry-After %r" % retry)
    eq(ctx.counter("sms:ip:hour:" + ip), limit, "IP hour counter")
    eq(ctx.outbox(phone), [], "outbox rows of the refused phone")
    # All or none: the refused send took no gap or phone counter either.
    eq(ctx.counter("sms:gap:" + phone), None, "gap counter of the refused phone")
    eq(ctx.counter("sms:phone:hour:" + phone), None, "hour counter of the refused phone")
    # Another IP is not affected.
    ctx.send_sms(phone)


def test_sms_phone_hour_limit(ctx):
    ctx.wait_hour_boundary(margin=30)
    phone = ctx.new_phone()
    per_hour = ctx.sms_per_hour
    eq(per_hour, 5, "configured sms_phone_per_hour (API contract default)")
    for i in range(per_hour):
        if i:
            ctx.skip_gap(phone)
        ctx.send_sms(phone, ip=ctx.new_ip())
    eq(ctx.counter("sms:phone:hour:" + phone), per_hour, "hour counter after %d sends" % per_hour)
    ctx.skip_gap(phone)
    gap_before = ctx.sql_value("SELECT window_start FROM rate_counter WHERE bucket = %s" % ctx.q("sms:gap:" + phone))
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited", what="send %d in one hour" % (per_hour + 1))
    retry = int(r.header("Retry-After") or 0)
    left = 3600 - int(time.time()) % 3600
    check(1 <= retry <= 3600 and abs(retry - left) <= 5, "Retry-After %d, hour ends in %d s" % (retry, left))
    eq(ctx.counter("sms:phone:hour:" + phone), per_hour, "hour counter after the refusal")
    eq(ctx.counter("sms:phone:day:" + phone), per_hour, "day counter after the refusal")
    eq(len(ctx.outbox(phone)), per_hour, "outbox rows")
    gap_after = ctx.sql_value("SELECT window_start FROM rate_counter WHERE bucket = %s" % ctx.q("sms:gap:" + phone))
    eq(gap_after, gap_before, "gap window moved by a refused send")
    # Refused again (no gap skip needed: the refused send took no gap).
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited", what="again")
    eq(ctx.counter("sms:phone:hour:" + phone), per_hour, "hour counter")


def test_sms_phone_day_limit(ctx):
    ctx.wait_hour_boundary(margin=30)
    ctx.wait_day_boundary()
    phone = ctx.new_phone()
    per_day = ctx.sms_per_day
    eq(per_day, 10, "configured sms_phone_per_day (API contract default)")
    hour_bucket = "sms:phone:hour:" + phone
    for i in range(per_day):
        if i:
            ctx.skip_gap(phone)
            # Pretend the earlier sends were in an earlier hour.
            ctx.sql("UPDATE rate_counter SET hits = 0 WHERE bucket = %s" % ctx.q(hour_bucket))
        ctx.send_sms(phone, ip=ctx.new_ip())
    eq(ctx.counter("sms:phone:day:" + phone), per_day, "day counter")
    ctx.skip_gap(phone)
    ctx.sql("UPDATE rate_counter SET hits = 0 WHERE bucket = %s" % ctx.q(hour_bucket))
    r = ctx.post(SMS, {"phone": phone})
    ctx.expect(r, 429, "rate_limited", what="send %d in one day" % (per_day + 1))
    retry = int(r.header("Retry-After") or 0)
    check(1 <= retry <= 86400 + 3600, "Retry-After %r" % retry)
    eq(ctx.counter("sms:phone:day:" + phone), per_day, "day counter after the refusal")
    eq(ctx.counter(hour_bucket), 0, "hour counter rolled back with the refusal")
    eq(len(ctx.outbox(phone)), per_day, "outbox rows")


def test_sms_day_window_is_shop_local_day(ctx):
    # Asia/Shanghai (UTC+8, no DST): the day starts at 16:00 UTC.
    # Not a skip: every stack the suite runs on keeps the shop's time zone.
    eq(ctx.conf.get("timezone", "Asia/Shanghai"), "Asia/Shanghai", "the stack's configured time zone")
    ctx.wait_day_boundary(margin=10)
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    start = int(ctx.sql_value("SELECT window_start FROM rate_counter WHERE bucket = %s" % ctx.q("sms:phone:day:" + phone)))
    now = int(time.time())
    expected = now - (now + 8 * 3600) % 86400
    eq(start, expected, "day window start (epoch)")


def test_sms_concurrent_sends_one_ip_counted_exactly(ctx):
    ctx.wait_hour_boundary()
    ip = ctx.new_ip()
    count = 16
    phones = [ctx.new_phone() for _ in range(count)]
    barrier = threading.Barrier(count)
    results = [None] * count

    def send(i):
        barrier.wait(timeout=10)
        results[i] = ctx.post(SMS, {"phone": phones[i]}, ip=ip)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = [r.status if r else None for r in results]
    eq(statuses.count(202), count, "202 answers among %s" % statuses)
    eq(ctx.counter("sms:ip:hour:" + ip), count, "sms:ip:hour counter")
    eq(ctx.counter("sms:ip:day:" + ip), count, "sms:ip:day counter")
