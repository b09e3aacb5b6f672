"""The share-domain pool (API.md, "Share domains") and the WeChat JS-SDK
config: new links and every share_url use the current (oldest active,
unblocked) domain; a domain marked blocked moves new links to the next one
while its old links still resolve, and the pages learn where to move the
visitor; the JS-SDK config's signature is the documentation's SHA-1 over
the jsapi_ticket the pool fetched (once) from WeChat's API stand-in."""

import hashlib
import os
import secrets
import sys
import time
import urllib.parse

from kanjia import check, eq
from test_admin import admin_session
from test_orders import make_item

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "providers"))

from sidepool import SidePool  # noqa: E402
from wechat_api import WechatApi  # noqa: E402

ORDER = 80

DOMAINS = "/api/v1/admin/share-domains"
WECHAT_API_PORT = 18185


def poll(what, probe, timeout=5):
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, value))


def test_share_domain_pool(ctx):
    admin = admin_session(ctx, roles="operator")
    token = admin["token"]
    # this test owns the pool while it runs: others' domains step aside
    ctx.sql("UPDATE share_domain SET active = 0")
    tag = secrets.token_hex(3)
    first, second = "s1-%s.example.cn" % tag, "s2-%s.example.cn" % tag
    created = []
    try:
        for host in (first, second):
            d = ctx.expect(ctx.post(DOMAINS, {"host": host}, token=token), 201, what="create " + host)
            eq((d["host"], d["active"], d["blocked"]), (host, True, False), "new domain")
            created.append(d["id"])
        ctx.expect(ctx.post(DOMAINS, {"host": first}, token=token), 409, "conflict")
        for bad in ("Not A Host", "https://x.example.cn", "a..b", "x" * 300):
            ctx.expect(ctx.post(DOMAINS, {"host": bad}, token=token), 400)
        ctx.expect(ctx.request("PATCH", DOMAINS + "/999999999", json_body={"blocked": True}, token=token), 404,
                   "not_found")
        shopper = ctx.login()
        ctx.expect(ctx.get(DOMAINS, token=shopper["token"]), 401, "unauthorized")

        listing = ctx.expect(ctx.get(DOMAINS, token=token), 200)
        eq(listing["links"]["host"], first, "where links go")
        eq(listing["links"]["base_url"].split("://")[1], first, "base_url")
        current = [d["host"] for d in listing["items"] if d["current"]]
        eq(current, [first], "the current domain")

        _, item_id = make_item(ctx)
        bargain = ctx.expect(ctx.post("/api/v1/bargains", {"item_id": item_id}, token=shopper["token"]), 201)
        code = bargain["share_code"]

        def share_url():
            b = ctx.expect(ctx.get("/api/v1/bargains/%d" % bargain["id"], token=shopper["token"]), 200)
            return b["share_url"]

        def share_url_on(host):
            url = share_url()  # workers cache the base for a second: poll, and keep what matched
            return url if url.split("://")[1] == host + "/s/" + code else None

        old_link = poll("share_url on the first domain", lambda: share_url_on(first))

        blocked = ctx.expect(ctx.request("PATCH", DOMAINS + "/%d" % created[0], json_body={"blocked": True},
                                         token=token), 200)
        eq(blocked["blocked"], True, "blocked")
        check(blocked["blocked_at"], "blocked_at set")
        eq(blocked["current"], False, "a blocked domain is not current")
        new_link = poll("share_url on the second domain", lambda: share_url_on(second))

        # the old link still lands: the share landing answers on the blocked host
        r = ctx.get("/api/v1/s/%s" % code, headers={"Host": first})
        ctx.expect(r, 200, what="the share landing on the blocked host")
        # and the page learns it must move the visitor
        page = ctx.expect(ctx.get("/api/v1/share/domain?host=%s" % first), 200)
        eq(page["blocked"], True, "the old host is blocked")
        eq(page["links"]["host"], second, "where the page moves the visitor")
        eq(old_link.replace(first, page["links"]["host"]), new_link, "the moved link is the new share_url")
        eq(ctx.expect(ctx.get("/api/v1/share/domain?host=%s" % second), 200)["blocked"], False, "second")
        ctx.expect(ctx.get("/api/v1/share/domain?host=bad%20host"), 400)

        listing = ctx.expect(ctx.get(DOMAINS, token=token), 200)
        eq(listing["links"]["host"], second, "links after the block")
        # unblocking and deactivating are edits too, and every edit is audited
        ctx.expect(ctx.request("PATCH", DOMAINS + "/%d" % created[0], json_body={"blocked": False, "active": False},
                               token=token), 200)
        audited = ctx.sql_value("SELECT COUNT(*) FROM audit_log WHERE target_type = 'share_domain' AND target_id IN "
                                "(%d, %d)" % tuple(created))
        eq(audited, "4", "audit rows (two creates, two edits)")
    finally:
        for domain_id in created:
            ctx.sql("UPDATE share_domain SET active = 0 WHERE id = %d" % domain_id)


def test_wechat_jssdk_config(ctx):
    r = ctx.get("/api/v1/wechat/jssdk?url=" + urllib.parse.quote("http://127.0.0.1/b/1", safe=""))
    ctx.expect(r, 404, "not_found")  # the suite's stack has no official account configured
    appid, secret = "wx" + secrets.token_hex(8), secrets.token_hex(16)
    ctx.secrets.add(secret)
    standin = WechatApi(WECHAT_API_PORT, appid, secret).start()
    pool = SidePool(ctx, "wechat", {"wechat_appid": appid, "wechat_app_secret": secret,
                                    "wechat_api_url": standin.base_url})
    ctx.sql("DELETE FROM wechat_credential")
    try:
        pool.start()
        page = "https://s1.example.cn/s/Xk3v9QpL2mTz8RwA?from=singlemessage&isappinstalled=0"
        config = pool.json("GET", "/api/v1/wechat/jssdk?url=" + urllib.parse.quote(page + "#top", safe=""))
        eq(config["appId"], appid, "appId")
        eq(config["url"], page, "the signed URL (no fragment)")
        check(standin.ticket, "the pool never fetched a ticket")
        text = "jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s" % (standin.ticket, config["nonceStr"],
                                                                    config["timestamp"], page)
        eq(config["signature"], hashlib.sha1(text.encode()).hexdigest(), "signature")
        check(abs(config["timestamp"] - time.time()) < 60, "timestamp is now")
        # cached: more pages, more workers, no more calls to WeChat
        for i in range(6):
            again = pool.json("GET", "/api/v1/wechat/jssdk?url=" + urllib.parse.quote(page + str(i), safe=""))
            text = "jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s" % (standin.ticket, again["nonceStr"],
                                                                        again["timestamp"], page + str(i))
            eq(again["signature"], hashlib.sha1(text.encode()).hexdigest(), "signature %d" % i)
        eq((standin.token_calls, standin.ticket_calls), (1, 1), "calls to WeChat's API")
        for bad in ("", "javascript:alert(1)", "https://a.example.cn/" + "x" * 1100, "https://a.b/x y"):
            status, _, _ = pool.request("GET", "/api/v1/wechat/jssdk?url=" + urllib.parse.quote(bad, safe=""))
            eq(status, 400, "url %r" % bad[:30])
        check(secret not in pool.log_text() and standin.ticket not in pool.log_text(), "a secret reached the log")
    finally:
        pool.stop()
        standin.stop()


def test_wechat_jssdk_wrong_secret(ctx):
    appid = "wx" + secrets.token_hex(8)
    standin = WechatApi(WECHAT_API_PORT, appid, "the-right-secret").start()
    pool = SidePool(ctx, "wechat-bad", {"wechat_appid": appid, "wechat_app_secret": "a-wrong-secret",
                                        "wechat_api_url": standin.base_url})
    ctx.sql("DELETE FROM wechat_credential")
    try:
        pool.start()
        status, _, _ = pool.request("GET", "/api/v1/wechat/jssdk?url=" + urllib.parse.quote("https://a.example.cn/",
                                                                                           safe=""))
        eq(status, 503, "no ticket from WeChat")
        eq(standin.verdicts(), ["refused secret"], "the stand-in's verdicts")
        check("a-wrong-secret" not in pool.log_text(), "the secret reached the log")
    finally:
        pool.stop()
        standin.stop()


def test_wechat_login_binds_openid_to_phone(ctx):
    """Inside WeChat: the OAuth code gives an openid; unbound, the shopper
    logs in by SMS and binds it; next time the code alone logs them in."""
    appid, secret = "wx" + secrets.token_hex(8), secrets.token_hex(16)
    ctx.secrets.add(secret)
    standin = WechatApi(WECHAT_API_PORT, appid, secret).start()
    pool = SidePool(ctx, "wechat-login", {"wechat_appid": appid, "wechat_app_secret": secret,
                                          "wechat_api_url": standin.base_url})
    try:
        pool.start()
        back = "https://s1.example.cn/s/Xk3v9QpL2mTz8RwA"
        link = pool.json("GET", "/api/v1/wechat/oauth-url?redirect=" + urllib.parse.quote(back, safe=""))
        url = urllib.parse.urlsplit(link["url"])
        eq((url.scheme, url.netloc, url.path, url.fragment), ("https", "open.weixin.qq.com",
                                                              "/connect/oauth2/authorize", "wechat_redirect"), "url")
        query = dict(urllib.parse.parse_qsl(url.query))
        eq((query["appid"], query["redirect_uri"], query["scope"], query["state"]), (appid, back, "snsapi_base",
                                                                                    link["state"]), "query")
        openid = "o" + secrets.token_hex(13)
        first = pool.json("POST", "/api/v1/wechat/oauth", {"code": standin.issue_code(openid)})
        eq((first["token"], first["openid"]), (None, openid), "an unbound openid")
        who = ctx.login()
        pool.json("POST", "/api/v1/wechat/bind", {"openid_ticket": first["openid_ticket"]}, token=who["token"],
                  expect=204)
        again = pool.json("POST", "/api/v1/wechat/oauth", {"code": standin.issue_code(openid)})
        check(again["token"], "a bound openid logs in")
        ctx.secrets.add(again["token"])
        eq(again["user"]["id"], who["user"]["id"], "the same shopper")
        me = pool.json("GET", "/api/v1/me", token=again["token"])
        eq(me["id"], who["user"]["id"], "the token works")
        # a code is good once; a forged or foreign ticket binds nothing
        code = standin.issue_code(openid)
        pool.json("POST", "/api/v1/wechat/oauth", {"code": code})
        pool.json("POST", "/api/v1/wechat/oauth", {"code": code}, expect=401)
        forged = first["openid_ticket"][:-1] + ("A" if first["openid_ticket"][-1] != "A" else "B")
        pool.json("POST", "/api/v1/wechat/bind", {"openid_ticket": forged}, token=who["token"], expect=400)
        eq(ctx.sql_value("SELECT user_id FROM wechat_binding WHERE openid = %s" % ctx.q(openid)),
           str(who["user"]["id"]), "binding")
        # a blocked shopper's openid gets no token
        ctx.sql("UPDATE shopper SET blocked = 1 WHERE id = %d" % who["user"]["id"])
        try:
            refused = pool.json("POST", "/api/v1/wechat/oauth", {"code": standin.issue_code(openid)}, expect=403)
            eq(refused["error"]["code"], "account_blocked", "a blocked shopper's WeChat login")
        finally:
            ctx.sql("UPDATE shopper SET blocked = 0 WHERE id = %d" % who["user"]["id"])
        check(secret not in pool.log_text(), "the AppSecret reached the log")
    finally:
        pool.stop()
        standin.stop()
