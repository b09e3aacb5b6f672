"""Stand-in of the WeChat official account API the JS-SDK needs:
GET /cgi-bin/token?grant_type=client_credential&appid=..&secret=.. ->
{"access_token", "expires_in": 7200} (or {"errcode": 40125, "errmsg":
"invalid appsecret"}), and GET /cgi-bin/ticket/getticket?access_token=..
&type=jsapi -> {"errcode": 0, "errmsg": "ok", "ticket", "expires_in": 7200}
(or 40001 for a token it did not issue). Counts the calls, so tests see
the ticket is cached. And WeChat's web OAuth: issue_code(openid) is what
WeChat puts in the redirect after the user opened the authorize page;
GET /sns/oauth2/access_token?appid=..&secret=..&code=..&grant_type=
authorization_code answers {"access_token", "expires_in", "refresh_token",
"openid", "scope": "snsapi_base"} once per code (else 40029 invalid code)."""

import secrets
import urllib.parse

from standin import Standin


class WechatApi(Standin):
    name = "wechat-api"

    def __init__(self, port, appid, secret):
        super().__init__(port)
        self.appid, self.secret = appid, secret
        self.tokens = set()
        self.ticket = None
        self.token_calls = 0
        self.ticket_calls = 0
        self.codes = {}  # OAuth code -> openid, each good once

    def issue_code(self, openid):
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = openid
        return code

    def handle(self, method, path, headers, body):
        url = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if method == "GET" and url.path == "/cgi-bin/token":
            with self.lock:
                self.token_calls += 1
            if query.get("grant_type") != "client_credential" or query.get("appid") != self.appid:
                return 200, {}, {"errcode": 40013, "errmsg": "invalid appid"}, "refused appid"
            if query.get("secret") != self.secret:
                return 200, {}, {"errcode": 40125, "errmsg": "invalid appsecret"}, "refused secret"
            token = secrets.token_urlsafe(48)
            with self.lock:
                self.tokens.add(token)
            return 200, {}, {"access_token": token, "expires_in": 7200}, "token"
        if method == "GET" and url.path == "/cgi-bin/ticket/getticket":
            with self.lock:
                self.ticket_calls += 1
                known = query.get("access_token") in self.tokens
            if not known:
                return 200, {}, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, "refused token"
            if query.get("type") != "jsapi":
                return 200, {}, {"errcode": 40097, "errmsg": "invalid args"}, "refused type"
            self.ticket = secrets.token_urlsafe(64)
            return 200, {}, {"errcode": 0, "errmsg": "ok", "ticket": self.ticket, "expires_in": 7200}, "ticket"
        if method == "GET" and url.path == "/sns/oauth2/access_token":
            if query.get("appid") != self.appid or query.get("secret") != self.secret:
                return 200, {}, {"errcode": 40125, "errmsg": "invalid appsecret"}, "refused secret"
            if query.get("grant_type") != "authorization_code":
                return 200, {}, {"errcode": 40097, "errmsg": "invalid args"}, "refused grant"
            with self.lock:
                openid = self.codes.pop(query.get("code", ""), None)
            if openid is None:
                return 200, {}, {"errcode": 40029, "errmsg": "invalid code"}, "refused code"
            return 200, {}, {"access_token": secrets.token_urlsafe(32), "expires_in": 7200,
                             "refresh_token": secrets.token_urlsafe(32), "openid": openid,
                             "scope": "snsapi_base"}, "oauth"
        return 404, {}, {"errcode": 404, "errmsg": "not found"}, "unknown path"
