"""Lockouts an attacker cannot aim (issue 12, defect 3; NIST SP 800-63B
5.2.2). Shopper logins: a code dies after a few wrong tries, a phone past
its daily wrong codes gives each later code one try, and a source (address,
/24, device) past its wrong codes is refused with 429; a stranger's wrong
codes never stop the owner's fresh code. Admin logins: a wait that doubles
with each failure, per name and per address, and the owner from an address
that has not been failing always gets in."""

import secrets
import time

from kanjia import check, eq
from test_admin import create_admin, new_username

ORDER = 31

LOGIN = "/api/v1/auth/login"
ADMIN_LOGIN = "/api/v1/admin/login"


def wrong_code(code):
    return "%06d" % ((int(code) + 1) % 1000000)


def conf_int(ctx, key, default):
    return int(ctx.conf.get(key, default))


# ------------------------------------------------------------------ shopper

def test_a_strangers_ten_wrong_codes_do_not_stop_the_owners_fresh_code(ctx):
    phone = ctx.new_phone()
    stranger = ctx.new_ip()
    # the stranger asks for codes and guesses ten times (no lock on main's
    # rules would have let the owner in after this)
    for attempt in range(10):
        if attempt % ctx.code_max_tries == 0:
            if attempt:
                ctx.skip_gap(phone)
            ctx.send_sms(phone, ip=stranger)
        code = ctx.latest_code(phone)
        ctx.expect(ctx.post(LOGIN, {"phone": phone, "code": wrong_code(code)}, ip=stranger), 401, "invalid_code",
                   what="stranger's wrong code %d" % (attempt + 1))
    # the owner, from the owner's own address, gets a fresh code and logs in
    owner_ip = ctx.new_ip()
    ctx.skip_gap(phone)
    ctx.send_sms(phone, ip=owner_ip)
    r = ctx.post(LOGIN, {"phone": phone, "code": ctx.latest_code(phone)}, ip=owner_ip)
    ctx.expect(r, 200, what="the owner's fresh code after ten wrong codes of a stranger")
    ctx.secrets.add(r.json["token"])


def test_the_per_address_limit_bites_and_only_there(ctx):
    limit = conf_int(ctx, "login_ip_fail_limit", "30")
    ip = ctx.new_ip()
    # wrong codes against many phones from one address (no phone gets more
    # than one, so no per-phone rule is involved)
    for i in range(limit):
        r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "%06d" % i}, ip=ip)
        ctx.expect(r, 401, "invalid_code", what="wrong code %d from one address" % (i + 1))
    # the next try from there is refused whatever the code, and says when to come back
    phone = ctx.new_phone()
    ctx.send_sms(phone, ip=ctx.new_ip())
    code = ctx.latest_code(phone)
    r = ctx.post(LOGIN, {"phone": phone, "code": code}, ip=ip)
    ctx.expect(r, 429, "rate_limited", what="a right code from an address past its limit")
    retry = r.header("Retry-After")
    window = conf_int(ctx, "login_source_window_s", "3600")
    check(retry and retry.isdigit() and 0 < int(retry) <= window, "Retry-After %r" % retry)
    eq(ctx.sql_value("SELECT used_at FROM sms_code WHERE phone = %s" % ctx.q(phone)), None,
       "the refused try did not touch the code")
    # the same code from another address logs in
    r = ctx.post(LOGIN, {"phone": phone, "code": code}, ip=ctx.new_ip())
    ctx.expect(r, 200, what="the right code from another address")
    ctx.secrets.add(r.json["token"])


def test_the_per_device_limit_bites_across_addresses(ctx):
    limit = conf_int(ctx, "login_device_fail_limit", "10")
    device = "dev-" + secrets.token_hex(8)
    for i in range(limit):
        r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "%06d" % i}, headers={"X-Device-Id": device})
        ctx.expect(r, 401, "invalid_code", what="wrong code %d from one device" % (i + 1))
    r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "000000"}, headers={"X-Device-Id": device})
    ctx.expect(r, 429, "rate_limited", what="a device past its limit, from a fresh address")
    other = "dev-" + secrets.token_hex(8)
    r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "000000"}, headers={"X-Device-Id": other})
    ctx.expect(r, 401, "invalid_code", what="another device")


def test_the_per_subnet_limit_bites_across_addresses(ctx):
    limit = conf_int(ctx, "login_subnet_fail_limit", "100")
    if limit > 300:
        return
    # a /24 of 198.18.0.0/15 (benchmarking addresses): ctx.new_ip() never
    # hands these out, so no other test lands in the /24 this one exhausts
    base = "198.%d.%d" % (18 + secrets.randbelow(2), secrets.randbelow(256))
    # addresses of one /24, each far under the per-address limit
    for i in range(limit):
        ip = "%s.%d" % (base, 1 + i % 250)
        r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "%06d" % i}, ip=ip)
        ctx.expect(r, 401, "invalid_code", what="wrong code %d from the /24" % (i + 1))
    r = ctx.post(LOGIN, {"phone": ctx.new_phone(), "code": "000000"}, ip="%s.251" % base)
    ctx.expect(r, 429, "rate_limited", what="a fresh address of a /24 past its limit")


def test_a_code_still_dies_after_its_tries_whatever_the_address(ctx):
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    for i in range(ctx.code_max_tries):
        ctx.expect(ctx.post(LOGIN, {"phone": phone, "code": wrong_code(code)}), 401, "invalid_code",
                   what="wrong try %d, each from its own address" % (i + 1))
    ctx.expect(ctx.post(LOGIN, {"phone": phone, "code": code}), 401, "invalid_code", what="the killed code")


# -------------------------------------------------------------------- admin

def test_admin_backoff_grows_and_the_owner_gets_in_from_another_address(ctx):
    username, password = create_admin(ctx)
    limit = conf_int(ctx, "admin_fail_limit", "5")
    ip = ctx.new_ip()
    for i in range(limit):
        ctx.expect(ctx.post(ADMIN_LOGIN, {"username": username, "password": "wrong %d wrong" % i}, ip=ip), 401,
                   "invalid_credentials", what="failure %d" % (i + 1))
    # keep guessing from the failing address, waiting out each 429
    waits = []
    deadline = time.time() + 40
    while len(waits) < 3 and time.time() < deadline:
        r = ctx.post(ADMIN_LOGIN, {"username": username, "password": "still wrong"}, ip=ip)
        if r.status == 401:
            continue
        ctx.expect(r, 429, "rate_limited", what="a guess during the wait")
        retry = r.header("Retry-After")
        check(retry and retry.isdigit() and int(retry) >= 1, "Retry-After %r" % retry)
        waits.append(int(retry))
        time.sleep(int(retry) + 0.2)
    eq(len(waits), 3, "429 answers while guessing")
    check(waits == sorted(waits) and waits[-1] > waits[0], "the wait does not grow: %s" % waits)
    # the owner's right password from the failing address waits too ...
    ctx.sql("UPDATE admin_login_guard SET locked_until = UNIX_TIMESTAMP() + 60 WHERE username = %s"
            % ctx.q(username))
    ctx.expect(ctx.post(ADMIN_LOGIN, {"username": username, "password": password}, ip=ip), 429, "rate_limited",
               what="the right password from the failing address")
    # ... and gets in at once from an address that has not been failing
    r = ctx.post(ADMIN_LOGIN, {"username": username, "password": password}, ip=ctx.new_ip())
    j = ctx.expect(r, 200, what="the owner from another address during the wait")
    ctx.secrets.add(j["token"])


def test_admin_per_address_backoff_bites_across_names(ctx):
    limit = conf_int(ctx, "admin_fail_limit", "5")
    ip = ctx.new_ip()
    names = [new_username("spray") for _ in range(limit + 4)]
    statuses = []
    for name in names:
        r = ctx.post(ADMIN_LOGIN, {"username": name, "password": "a guess at it"}, ip=ip)
        statuses.append(r.status)
        if r.status == 429:
            break
    eq(statuses[:limit], [401] * limit, "the first failures of the address")
    eq(statuses[-1], 429, "a new name from an address past its failures (statuses %s)" % statuses)
    # the name itself is clean: another address gets an ordinary answer
    ctx.expect(ctx.post(ADMIN_LOGIN, {"username": names[len(statuses) - 1], "password": "a guess at it"},
                        ip=ctx.new_ip()), 401, "invalid_credentials", what="the same name from another address")
