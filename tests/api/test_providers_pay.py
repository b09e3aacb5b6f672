"""Orders paid and refunded through WeChat Pay API v3 and Alipay: a second
pool configured for the provider (its keys generated here) talks to the
provider's stand-in (tests/providers/) on loopback, which checks every
request's signature as the provider does and signs its answers and
notifications with keys generated here. The notifications are delivered to
the pool as the provider would post them.

Checked: the pay route's client parameters (JSAPI's paySign verifies under
the merchant key; H5 and Alipay's signed page), a notify moves the order to
paid once, a repeated notify changes nothing, a tampered notify (body,
signature, amount) is refused, the admin refund goes through the
provider's refund API before the order is refunded."""

import json
import os
import secrets
import sys
import urllib.parse
import urllib.request

from kanjia import check, eq
from test_admin import admin_session
from test_orders import ADDRESS, make_item, new_key

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "providers"))

from alipay import Alipay  # noqa: E402
from keys import KeyPair, write_file  # noqa: E402
from sidepool import SidePool  # noqa: E402
from wechatpay import WechatPay  # noqa: E402

ORDER = 80

WECHATPAY_PORT = 18183
ALIPAY_PORT = 18184


def pending_order(ctx, price=12345):
    """A shopper (logged in on the suite's stack) with a pending order."""
    _, item_id = make_item(ctx, price=price)
    who = ctx.login()
    r = ctx.post("/api/v1/orders", {"lines": [{"item_id": item_id, "qty": 1}], "address": ADDRESS},
                 token=who["token"], headers={"Idempotency-Key": new_key()})
    order = ctx.expect(r, 201, what="order")
    return who, order


def order_status(ctx, order_id):
    return ctx.sql_value("SELECT status FROM orders WHERE id = %d" % order_id)


def notify_outcomes(ctx, ref):
    return [row[0] for row in ctx.sql("SELECT outcome FROM payment_notify WHERE provider_ref = %s ORDER BY id"
                                      % ctx.q(ref))]


def wechat_setup(ctx):
    merchant, platform = KeyPair(), KeyPair()
    api_v3_key = secrets.token_hex(16)  # 32 characters, as the merchant platform's APIv3 key
    ctx.secrets.add(api_v3_key)
    mchid, appid, serial = "1900009191", "wxd678efh567hg6787", secrets.token_hex(20).upper()
    standin = WechatPay(WECHATPAY_PORT, mchid, appid, merchant, serial, platform, api_v3_key.encode()).start()
    directory = os.path.join(ctx.run_dir, "providers")
    os.makedirs(directory, mode=0o750, exist_ok=True)
    pool = SidePool(ctx, "pay-wechat", {
        "payment_provider": "wechat", "wechatpay_url": standin.base_url, "wechatpay_mchid": mchid,
        "wechatpay_appid": appid, "wechatpay_serial_no": serial,
        "wechatpay_private_key_file": write_file(directory, "wechatpay-merchant.pem", merchant.private_pem()),
        "wechatpay_platform_key_file": write_file(directory, "wechatpay-platform.pem", platform.public_pem()),
        "wechatpay_api_v3_key": api_v3_key,
    })
    return standin, pool, api_v3_key


def deliver_wechat(pool, headers, body):
    return pool.request("POST", "/api/v1/payments/wechat/notify", body, headers=headers)


def test_wechat_jsapi_paid_once_and_refunded(ctx):
    standin, pool, api_v3_key = wechat_setup(ctx)
    try:
        pool.start()
        who, order = pending_order(ctx)
        openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
        answer = pool.json("POST", "/api/v1/orders/%d/pay?channel=jsapi&openid=%s" % (order["id"], openid),
                           token=who["token"])
        eq(answer["provider"], "wechat", "provider")
        client = answer["client"]
        for field in ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign"):
            check(field in client, "JSAPI parameter %s missing: %s" % (field, client))
        eq(client["appId"], "wxd678efh567hg6787", "appId")
        check(client["package"].startswith("prepay_id=wx"), "package: %s" % client["package"])
        check(standin.check_pay_sign(client), "paySign does not verify under the merchant key")
        ref = answer["payment_id"]
        eq(standin.orders[ref]["total"], order["total_fen"], "amount at WeChat Pay")
        eq(standin.orders[ref]["openid"], openid, "payer")
        check(standin.orders[ref]["notify_url"].endswith("/api/v1/payments/wechat/notify"), "notify_url")

        headers, body = standin.notification(ref)
        status, _, reply = deliver_wechat(pool, headers, body)
        eq(status, 204, "the notify's answer (%s)" % reply[:200])
        eq(order_status(ctx, order["id"]), "paid", "order after the notify")
        txn = ctx.sql_value("SELECT provider_txn FROM payment WHERE provider_ref = %s" % ctx.q(ref))
        eq(txn, standin.orders[ref]["transaction_id"], "transaction id kept")
        # WeChat Pay sends again until it hears 204: nothing changes
        points = ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % who["user"]["id"])
        status, _, _ = deliver_wechat(pool, headers, body)
        eq(status, 204, "a repeated notify's answer")
        eq(notify_outcomes(ctx, ref), ["paid", "duplicate"], "outcomes")
        eq(ctx.sql_value("SELECT points_balance FROM shopper WHERE id = %d" % who["user"]["id"]), points, "points")

        admin = admin_session(ctx)
        refunded = pool.json("POST", "/api/v1/admin/orders/%d/refund" % order["id"], {"reason": "测试退款"},
                             token=admin["token"])
        eq(refunded["status"], "refunded", "order after the refund")
        eq(standin.verdicts().count("refunded"), 1, "refunds at WeChat Pay")
        row = ctx.sql("SELECT outcome, provider_refund_id, pr.amount_fen FROM payment_refund pr JOIN payment p ON "
                      "p.id = pr.payment_id WHERE p.provider_ref = %s" % ctx.q(ref))
        eq(len(row), 1, "refund records")
        eq(row[0][0], "accepted", "refund outcome")
        check(row[0][1].startswith("50300"), "refund id kept: %s" % row[0][1])
        eq(int(row[0][2]), order["total_fen"], "refunded amount")
        # a second refund is refused by the order's state, without a call
        status, _, _ = pool.request("POST", "/api/v1/admin/orders/%d/refund" % order["id"], {}, token=admin["token"])
        eq(status, 409, "refunding twice")
        eq(standin.verdicts().count("refunded") + standin.verdicts().count("refund repeated"), 1, "refund calls")
        check(api_v3_key not in pool.log_text(), "the APIv3 key reached the log")
    finally:
        pool.stop()
        standin.stop()


def test_wechat_tampered_notifies_refused(ctx):
    standin, pool, _ = wechat_setup(ctx)
    try:
        pool.start()
        who, order = pending_order(ctx)
        answer = pool.json("POST", "/api/v1/orders/%d/pay" % order["id"], token=who["token"])
        eq(answer["client"]["channel"], "h5", "default channel outside WeChat")
        check(answer["client"]["h5_url"].startswith("https://wx.tenpay.com/"), "h5_url")
        ref = answer["payment_id"]

        headers, body = standin.notification(ref)
        # a body changed after signing
        forged = body.replace(b"\"summary\": \"", b"\"summary\": \"X")
        check(forged != body, "the forgery changed nothing")
        status, _, _ = deliver_wechat(pool, headers, forged)
        eq(status, 401, "a changed body")
        # a signature by another key
        other = dict(headers, **{"Wechatpay-Signature": KeyPair().sign(
            headers["Wechatpay-Timestamp"] + "\n" + headers["Wechatpay-Nonce"] + "\n" + body.decode() + "\n")})
        status, _, _ = deliver_wechat(pool, other, body)
        eq(status, 401, "a signature by another key")
        # an old notification replayed (the timestamp is signed, so it stays old)
        stale = dict(headers, **{"Wechatpay-Timestamp": str(int(headers["Wechatpay-Timestamp"]) - 3600)})
        status, _, _ = deliver_wechat(pool, stale, body)
        eq(status, 401, "a stale timestamp")
        eq(order_status(ctx, order["id"]), "pending_payment", "order after the forgeries")
        eq(notify_outcomes(ctx, ref), [], "forgeries recorded as notifies")

        # genuinely signed, but for another amount: recorded, refused, order untouched
        headers, body = standin.notification(ref, total=order["total_fen"] - 1)
        status, _, _ = deliver_wechat(pool, headers, body)
        eq(status, 422, "an amount that is not the order's")
        eq(order_status(ctx, order["id"]), "pending_payment", "order after a wrong amount")
        eq(notify_outcomes(ctx, ref), ["amount_mismatch"], "outcomes")

        headers, body = standin.notification(ref)
        status, _, _ = deliver_wechat(pool, headers, body)
        eq(status, 204, "the genuine notify")
        eq(order_status(ctx, order["id"]), "paid", "order")
    finally:
        pool.stop()
        standin.stop()


def test_wechat_outage_answers_503_and_changes_nothing(ctx):
    standin, pool, _ = wechat_setup(ctx)
    try:
        pool.start()
        who, order = pending_order(ctx)
        standin.outage(1)
        status, _, body = pool.request("POST", "/api/v1/orders/%d/pay" % order["id"], token=who["token"])
        eq(status, 503, "pay while WeChat Pay is down")
        answer = pool.json("POST", "/api/v1/orders/%d/pay" % order["id"], token=who["token"])
        check(answer["client"]["h5_url"], "h5_url after the outage")
        eq(ctx.sql_value("SELECT COUNT(*) FROM payment WHERE order_id = %d" % order["id"]), "1", "payments")
        # the platform's signature on answers is checked: a stand-in with another platform key is not believed
        standin.platform_key = KeyPair()
        status, _, _ = pool.request("POST", "/api/v1/orders/%d/pay?channel=jsapi&openid=o1" % order["id"],
                                    token=who["token"])
        eq(status, 503, "an answer not signed by the platform key")
    finally:
        pool.stop()
        standin.stop()


def alipay_setup(ctx):
    app, platform = KeyPair(), KeyPair()
    app_id = "2021000000000001"
    standin = Alipay(ALIPAY_PORT, app_id, app, platform).start()
    directory = os.path.join(ctx.run_dir, "providers")
    os.makedirs(directory, mode=0o750, exist_ok=True)
    pool = SidePool(ctx, "pay-alipay", {
        "payment_provider": "alipay", "alipay_url": standin.base_url + "/gateway.do", "alipay_app_id": app_id,
        "alipay_private_key_file": write_file(directory, "alipay-app.pem", app.private_pem()),
        # as Alipay's console shows it: the bare base64
        "alipay_public_key_file": write_file(directory, "alipay-public.txt", platform.public_bare()),
    })
    return standin, pool


def deliver_alipay(pool, body):
    return pool.request("POST", "/api/v1/payments/alipay/notify", body,
                        content_type="application/x-www-form-urlencoded; charset=utf-8")


def test_alipay_paid_once_and_refunded(ctx):
    standin, pool = alipay_setup(ctx)
    try:
        pool.start()
        who, order = pending_order(ctx, price=8800)
        answer = pool.json("POST", "/api/v1/orders/%d/pay" % order["id"], token=who["token"])
        eq(answer["provider"], "alipay", "provider")
        pay_url = answer["client"]["pay_url"]
        check(pay_url.startswith(standin.base_url + "/gateway.do?"), "pay_url: %s" % pay_url[:80])
        # the shopper's browser opens the signed page
        with urllib.request.urlopen(pay_url, timeout=10) as page:
            eq(page.status, 200, "the gateway page")
        eq(standin.verdicts()[-1], "page", "the gateway's verdict on the page request")
        ref = answer["payment_id"]
        eq(standin.orders[ref]["total"], "88.00", "amount at Alipay")

        body = standin.notify(ref)
        status, _, reply = deliver_alipay(pool, body)
        eq((status, reply), (200, b"success"), "the notify's answer")
        eq(order_status(ctx, order["id"]), "paid", "order after the notify")
        status, _, reply = deliver_alipay(pool, body)
        eq((status, reply), (200, b"success"), "a repeated notify's answer")
        eq(notify_outcomes(ctx, ref), ["paid", "duplicate"], "outcomes")

        admin = admin_session(ctx)
        refunded = pool.json("POST", "/api/v1/admin/orders/%d/refund" % order["id"], {}, token=admin["token"])
        eq(refunded["status"], "refunded", "order after the refund")
        eq(standin.verdicts().count("refunded"), 1, "refunds at Alipay")
        eq(ctx.sql_value("SELECT outcome FROM payment_refund pr JOIN payment p ON p.id = pr.payment_id "
                         "WHERE p.provider_ref = %s" % ctx.q(ref)), "accepted", "refund outcome")
    finally:
        pool.stop()
        standin.stop()


def test_alipay_tampered_notifies_refused(ctx):
    standin, pool = alipay_setup(ctx)
    try:
        pool.start()
        who, order = pending_order(ctx, price=8800)
        ref = pool.json("POST", "/api/v1/orders/%d/pay" % order["id"], token=who["token"])["payment_id"]
        urllib.request.urlopen(pool.json("POST", "/api/v1/orders/%d/pay" % order["id"],
                                         token=who["token"])["client"]["pay_url"], timeout=10).close()
        body = standin.notify(ref)
        params = urllib.parse.parse_qs(body.decode())
        # the amount changed after signing
        changed = body.replace(b"total_amount=88.00", b"total_amount=0.01")
        check(changed != body, "the forgery changed nothing")
        status, _, reply = deliver_alipay(pool, changed)
        eq((status, reply), (401, b"fail"), "a changed amount")
        # no signature, or sign_type other than RSA2
        status, _, _ = deliver_alipay(pool, body.replace(b"sign_type=RSA2", b"sign_type=RSA"))
        eq(status, 401, "sign_type RSA")
        stripped = urllib.parse.urlencode({k: v[0] for k, v in params.items() if k != "sign"}).encode()
        status, _, _ = deliver_alipay(pool, stripped)
        eq(status, 401, "no sign")
        eq(order_status(ctx, order["id"]), "pending_payment", "order after the forgeries")
        # signed by Alipay, for another amount
        status, _, reply = deliver_alipay(pool, standin.notify(ref, total="1.00"))
        eq((status, reply), (422, b"fail"), "a signed notify for another amount")
        eq(order_status(ctx, order["id"]), "pending_payment", "order after a wrong amount")
        status, _, reply = deliver_alipay(pool, standin.notify(ref))
        eq((status, reply), (200, b"success"), "the genuine notify")
        eq(order_status(ctx, order["id"]), "paid", "order")
    finally:
        pool.stop()
        standin.stop()
