"""Login codes delivered through the real SMS providers' protocols: a
second pool configured for Alibaba Cloud or Tencent Cloud SMS, whose
sender process delivers the queued message to the provider's stand-in
(tests/providers/) on loopback; the stand-in checks the request's
signature as the provider does and hands the test the code it received.
Also: an outage of the provider delays the code and loses none, and the
sender is a child of the master only when a provider needs it."""

import os
import re
import secrets
import sys
import time

from kanjia import check, eq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "providers"))

from sidepool import SidePool  # noqa: E402
from sms_aliyun import AliyunSms  # noqa: E402
from sms_tencent import TencentSms  # noqa: E402

ORDER = 80

ALIYUN_PORT = 18181
TENCENT_PORT = 18182
SIGN_NAME = "砍价测试"


def wait_for(what, probe, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def outbox_row(ctx, phone):
    rows = ctx.sql("SELECT provider, status, attempts, COALESCE(provider_ref, ''), COALESCE(provider_answer, '') "
                   "FROM sms_outbox WHERE phone = %s ORDER BY id DESC LIMIT 1" % ctx.q(phone))
    return rows[0] if rows else None


def login_through(ctx, pool, standin, phone):
    """SMS through pool, the code from the stand-in, login; returns the code."""
    ip = ctx.new_ip()
    answer = pool.json("POST", "/api/v1/auth/sms", {"phone": phone}, expect=202, ip=ip)
    eq(answer["resend_after_s"] > 0, True, "resend_after_s")
    codes = wait_for("the code at the stand-in", lambda: standin.codes_for(phone))
    code = codes[-1]
    check(re.fullmatch(r"\d{6}", code or ""), "the stand-in got no six-digit code: %r" % codes)
    ctx.secrets.add(code)
    login = pool.json("POST", "/api/v1/auth/login", {"phone": phone, "code": code}, ip=ip)
    check(login.get("token"), "login answered no token")
    ctx.secrets.add(login["token"])
    return code


def secrets_absent(ctx, pool, *values):
    text = pool.log_text()
    for value in values:
        check(value not in text, "a provider secret reached the %s pool's log" % pool.name)


def aliyun_pool(ctx):
    key_id, key_secret = "LTAI" + secrets.token_hex(8), secrets.token_urlsafe(24)
    ctx.secrets.add(key_secret)
    standin = AliyunSms(ALIYUN_PORT, key_id, key_secret, SIGN_NAME, "SMS_100001").start()
    pool = SidePool(ctx, "sms-aliyun", {
        "sms_provider": "aliyun", "sms_aliyun_url": standin.base_url + "/", "sms_aliyun_key_id": key_id,
        "sms_aliyun_key_secret": key_secret, "sms_sign_name": SIGN_NAME, "sms_template": "SMS_100001",
    })
    return standin, pool, key_secret


def test_code_delivered_through_aliyun(ctx):
    standin, pool, key_secret = aliyun_pool(ctx)
    try:
        pool.start()
        phone = ctx.new_phone()
        code = login_through(ctx, pool, standin, phone)
        row = wait_for("the outbox row sent", lambda: (lambda r: r if r and r[1] == "sent" else None)(outbox_row(ctx, phone)))
        eq(row[0], "aliyun", "provider")
        eq(row[2], "1", "attempts")
        check(row[3] != "", "no BizId recorded")
        check(row[4].startswith("200 OK"), "provider answer recorded: %r" % row[4])
        check(standin.verdicts().count("sent") >= 1, "the stand-in refused: %s" % standin.verdicts())
        secrets_absent(ctx, pool, key_secret, code)
    finally:
        pool.stop()
        standin.stop()


def test_aliyun_refuses_a_wrong_key(ctx):
    """The stand-in checks signatures: a pool with the wrong secret gets
    SignatureDoesNotMatch, and its message stays pending (retried); once
    the keys agree, the same message goes through."""
    standin, pool, key_secret = aliyun_pool(ctx)
    standin.key_secret = "not-the-key"
    try:
        pool.start()
        phone = ctx.new_phone()
        pool.json("POST", "/api/v1/auth/sms", {"phone": phone}, expect=202)
        row = wait_for("a refused attempt", lambda: (lambda r: r if r and r[4] else None)(outbox_row(ctx, phone)))
        eq(row[1], "pending", "status after a signature refusal")
        check("SignatureDoesNotMatch" in row[4], "answer recorded: %r" % row[4])
        eq(standin.codes_for(phone), [], "codes delivered with a wrong signature")
        standin.key_secret = key_secret
        wait_for("the retried code", lambda: standin.codes_for(phone), 10)
        row = outbox_row(ctx, phone)
        eq(row[1], "sent", "status once the keys agree")
        check(int(row[2]) >= 2, "attempts: %s" % row[2])
    finally:
        pool.stop()
        standin.stop()


def test_outage_delays_the_code_and_loses_none(ctx):
    standin, pool, _ = aliyun_pool(ctx)
    try:
        standin.outage(2)
        pool.start()
        phone = ctx.new_phone()
        started = time.monotonic()
        login_through(ctx, pool, standin, phone)
        took = time.monotonic() - started
        row = outbox_row(ctx, phone)
        eq(row[1], "sent", "status")
        eq(row[2], "3", "attempts (two in the outage, then through)")
        check(took >= 1.5, "retries came without backoff (%.1f s)" % took)
        eq(standin.verdicts()[:2], ["outage", "outage"], "the stand-in's first answers")
    finally:
        pool.stop()
        standin.stop()


def test_a_slow_provider_never_holds_a_request(ctx):
    """The login request only queues: with the provider taking 4 s per
    answer, the SMS request still answers at once, and the code arrives
    once the provider does."""
    standin, pool, _ = aliyun_pool(ctx)
    standin.delay = 4.0
    try:
        pool.start()
        phone = ctx.new_phone()
        started = time.monotonic()
        pool.json("POST", "/api/v1/auth/sms", {"phone": phone}, expect=202)
        took = time.monotonic() - started
        check(took < 2.0, "the SMS request waited on the provider (%.1f s)" % took)
        eq(standin.codes_for(phone), [], "delivered before the provider answered")
        wait_for("the slow provider's delivery", lambda: standin.codes_for(phone), 15)
    finally:
        pool.stop()
        standin.stop()


def test_sender_process_only_with_a_provider(ctx):
    """The master of a pool with a provider has workers + 1 children; it
    restarts the sender when it dies, like a worker."""
    standin, pool, _ = aliyun_pool(ctx)
    try:
        pool.start()
        children = wait_for("three children", lambda: (lambda c: c if len(c) == 3 else None)(pool.children()), 10)
        # two workers and the sender; kill them all and expect all back
        for pid in children:
            os.kill(pid, 9)
        wait_for("three new children", lambda: (lambda c: c if len(c) == 3 and not (c & children) else None)(
            pool.children()), 10)
        phone = ctx.new_phone()
        login_through(ctx, pool, standin, phone)
    finally:
        pool.stop()
        standin.stop()
    eq(ctx.conf.get("sms_provider", "outbox"), "outbox", "the shared stack's provider")
    eq(len(ctx.children(ctx.master_pid())), ctx.workers, "children of the outbox stack's master")


def test_code_delivered_through_tencent(ctx):
    secret_id, secret_key = "AKID" + secrets.token_hex(12), secrets.token_urlsafe(24)
    ctx.secrets.add(secret_key)
    standin = TencentSms(TENCENT_PORT, secret_id, secret_key, "1400000001", SIGN_NAME, "100002").start()
    pool = SidePool(ctx, "sms-tencent", {
        "sms_provider": "tencent", "sms_tencent_url": standin.base_url + "/", "sms_tencent_secret_id": secret_id,
        "sms_tencent_secret_key": secret_key, "sms_tencent_app_id": "1400000001", "sms_sign_name": SIGN_NAME,
        "sms_template": "100002",
    })
    try:
        pool.start()
        phone = ctx.new_phone()
        code = login_through(ctx, pool, standin, phone)
        row = wait_for("the outbox row sent", lambda: (lambda r: r if r and r[1] == "sent" else None)(outbox_row(ctx, phone)))
        eq(row[0], "tencent", "provider")
        check(row[3].startswith("2640:"), "SerialNo recorded: %r" % row[3])
        secrets_absent(ctx, pool, secret_key, code)
    finally:
        pool.stop()
        standin.stop()
