"""JWT attack corpus against GET /api/v1/me: every forged, broken or
out-of-time token is 401 unauthorized; the well-forged control is 200."""

import hashlib
import time

from kanjia import DROP, b64url, b64url_json, check, eq

ORDER = 50

ME = "/api/v1/me"


def user(ctx):
    """A logged-in user and its token_version (cached per run)."""
    if not hasattr(ctx, "_jwt_user"):
        session = ctx.login()
        version = int(ctx.sql_value("SELECT token_version FROM shopper WHERE id = %d" % session["user"]["id"]))
        ctx._jwt_user = (session, version)
    return ctx._jwt_user


def refused(ctx, token, what, header=None):
    headers = {"Authorization": header if header is not None else "Bearer " + token}
    r = ctx.request("GET", ME, headers=headers)
    ctx.expect(r, 401, "unauthorized", what=what)


def test_forged_control_token_is_accepted(ctx):
    session, version = user(ctx)
    token = ctx.forge(ctx.claims(session["user"]["id"], version))
    j = ctx.expect(ctx.get(ME, token=token), 200, what="a correctly forged token (the forge helper is wrong?)")
    eq(j["id"], session["user"]["id"], "id")
    # The real token also works (the user is fine).
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="the issued token")


def test_forged_with_nbf_in_past_is_accepted(ctx):
    session, version = user(ctx)
    token = ctx.forge(ctx.claims(session["user"]["id"], version, nbf=int(time.time()) - 60))
    ctx.expect(ctx.get(ME, token=token), 200)


def test_no_header_and_empty_bearer(ctx):
    r = ctx.get(ME)
    ctx.expect(r, 401, "unauthorized", what="no header")
    refused(ctx, "", "Bearer with an empty token", header="Bearer ")
    refused(ctx, "", "Bearer with spaces only", header="Bearer      ")
    refused(ctx, "", "empty header", header="")


def test_garbage_tokens(ctx):
    for garbage in ("garbage", "a.b.c", "...", "a..c", ".b.c", "a.b.", "eyJ.eyJ.sig", "%%%.%%%.%%%",
                    "x" * 100, "a.b.c.d", "\u00e9.\u00e9.\u00e9"):
        refused(ctx, garbage, "garbage %r" % garbage[:20])


def test_alg_none(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    good = ctx.forge(claims)
    signature = good.split(".")[2]
    for alg in ("none", "None", "NONE", "nOnE"):
        body = b64url_json({"alg": alg, "typ": "JWT", "kid": ctx.kid}) + "." + b64url_json(claims)
        refused(ctx, body + ".", "alg %s, empty signature" % alg)
        refused(ctx, body + "." + signature, "alg %s, the original signature" % alg)
        refused(ctx, body, "alg %s, no signature segment" % alg)


def test_alg_switched(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    refused(ctx, ctx.forge(claims, alg="HS512"), "HS512 signed with the secret")
    refused(ctx, ctx.forge(claims, alg="HS384"), "HS384 signed with the secret")
    refused(ctx, ctx.forge(claims, header={"alg": "RS256", "typ": "JWT", "kid": ctx.kid}, digest=hashlib.sha256),
            "RS256 header, HMAC-SHA256 signature with the secret")
    refused(ctx, ctx.forge(claims, header={"alg": "ES256", "typ": "JWT", "kid": ctx.kid}, digest=hashlib.sha256),
            "ES256 header")
    refused(ctx, ctx.forge(claims, header={"alg": "hs256", "typ": "JWT", "kid": ctx.kid}), "lower-case hs256")
    refused(ctx, ctx.forge(claims, header={"typ": "JWT", "kid": ctx.kid}), "no alg")
    refused(ctx, ctx.forge(claims, header={"alg": ["HS256"], "kid": ctx.kid}), "alg as a list")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256\u0000", "kid": ctx.kid}), "alg with a NUL")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256 ", "kid": ctx.kid}), "alg with a space")


def test_duplicate_alg_in_header(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    import base64
    import hmac
    header = '{"alg":"none","kid":"%s","alg":"HS256"}' % ctx.kid
    signing_input = b64url(header.encode()) + "." + b64url_json(claims)
    sig = hmac.new(ctx.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    refused(ctx, signing_input + "." + b64url(sig), "duplicate alg in the header")
    del base64


def test_signature_stripped_or_broken(ctx):
    session, version = user(ctx)
    good = ctx.forge(ctx.claims(session["user"]["id"], version))
    head, body, sig = good.split(".")
    refused(ctx, head + "." + body + ".", "signature stripped")
    refused(ctx, head + "." + body, "two segments")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    refused(ctx, head + "." + body + "." + flipped, "one signature character changed")
    refused(ctx, head + "." + body + "." + sig[:20], "truncated signature")
    refused(ctx, head + "." + body + "." + sig + sig, "doubled signature")
    refused(ctx, head + "." + body + "." + sig + "=", "padded signature")


def test_signature_of_another_key(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    refused(ctx, ctx.forge(claims, secret="another-secret-of-at-least-32-bytes!!"), "another key, right kid")
    refused(ctx, ctx.forge(claims, secret=""), "empty key")
    refused(ctx, ctx.forge(claims, secret=ctx.secret + "x"), "the secret plus one byte")
    refused(ctx, ctx.forge(claims, secret=ctx.secret[:-1]), "the secret minus one byte")


def test_kid_unknown_or_missing(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": "nope"}), "unknown kid")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT"}), "missing kid")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": ""}), "empty kid")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": 1}), "numeric kid")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": ctx.kid + "\u0000"}), "kid with NUL")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": ctx.kid.upper() + "X"}), "kid case")
    refused(ctx, ctx.forge(claims, header={"alg": "HS256", "typ": "JWT", "kid": "k" * 1000}), "huge kid")


def test_header_not_json(ctx):
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version)
    import hmac
    for header in (b"not json", b"[]", b"\"HS256\"", b"{", b""):
        signing_input = b64url(header) + "." + b64url_json(claims)
        sig = hmac.new(ctx.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        refused(ctx, signing_input + "." + b64url(sig), "header %r" % header)


def test_payload_not_json(ctx):
    import hmac
    for payload in (b"not json", b"[]", b"1", b"{"):
        signing_input = b64url_json({"alg": "HS256", "typ": "JWT", "kid": ctx.kid}) + "." + b64url(payload)
        sig = hmac.new(ctx.secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        refused(ctx, signing_input + "." + b64url(sig), "payload %r" % payload)


def test_time_claims(ctx):
    session, version = user(ctx)
    uid = session["user"]["id"]
    now = int(time.time())
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=now - 1)), "exp in the past")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=now - 86400, iat=now - 2 * 86400)), "expired yesterday")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=now)), "exp now")
    refused(ctx, ctx.forge(ctx.claims(uid, version, iat=now + 3600, exp=now + 7200)), "iat 1 hour ahead")
    refused(ctx, ctx.forge(ctx.claims(uid, version, nbf=now + 3600)), "nbf 1 hour ahead")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=DROP)), "no exp")
    refused(ctx, ctx.forge(ctx.claims(uid, version, iat=DROP)), "no iat")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=str(now + 3600))), "exp as a string")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=float(now - 10) + 0.5)), "exp as a float in the past")
    refused(ctx, ctx.forge(ctx.claims(uid, version, exp=-1)), "negative exp")


def test_a_token_accepted_before_is_refused_once_it_expires(ctx):
    # every worker keeps the claims of a token it verified
    # (fcgi/http/session.c): kept, the token still ends at its exp
    session, version = user(ctx)
    exp = int(time.time()) + 3
    token = ctx.forge(ctx.claims(session["user"]["id"], version, exp=exp))
    for rs in ctx.every_worker(lambda: ctx.get(ME, token=token), "the token on every worker").values():
        for r in rs:
            ctx.expect(r, 200, what="before its exp")
    time.sleep(max(0.0, exp - time.time()) + 1.1)
    for rs in ctx.every_worker(lambda: ctx.get(ME, token=token), "the token on every worker").values():
        for r in rs:
            ctx.expect(r, 401, "unauthorized", what="past its exp, on a worker that accepted it before")
    # its bytes for the admin's audience: refused, kept or not
    ctx.expect(ctx.get("/api/v1/admin/audit", token=session["token"]), 401, "unauthorized", what="on an admin route")


def test_issuer_and_audience(ctx):
    session, version = user(ctx)
    uid = session["user"]["id"]
    refused(ctx, ctx.forge(ctx.claims(uid, version, iss="evil")), "wrong iss")
    refused(ctx, ctx.forge(ctx.claims(uid, version, iss=DROP)), "no iss")
    refused(ctx, ctx.forge(ctx.claims(uid, version, iss=ctx.issuer.upper())), "iss in upper case")
    refused(ctx, ctx.forge(ctx.claims(uid, version, aud="kanjia-admin")), "aud kanjia-admin")
    refused(ctx, ctx.forge(ctx.claims(uid, version, aud=DROP)), "no aud")
    refused(ctx, ctx.forge(ctx.claims(uid, version, aud=[ctx.audience, "kanjia-admin"])), "aud as a list")
    refused(ctx, ctx.forge(ctx.claims(uid, version, aud=ctx.audience + "x")), "aud with a suffix")


def test_subject(ctx):
    session, version = user(ctx)
    uid = session["user"]["id"]
    missing = int(ctx.sql_value("SELECT COALESCE(MAX(id), 0) + 1000000 FROM shopper"))
    refused(ctx, ctx.forge(ctx.claims(missing, 0)), "sub of a user that does not exist")
    for sub in ("abc", "", "0", "-1", "01", str(uid) + "x", " " + str(uid), str(uid) + ".0", "1e3",
                "99999999999999999999", str(uid) + "\u0000"):
        refused(ctx, ctx.forge(ctx.claims(uid, version, sub=sub)), "sub %r" % sub)
    refused(ctx, ctx.forge(ctx.claims(uid, version, sub=uid)), "sub as a number")
    refused(ctx, ctx.forge(ctx.claims(uid, version, sub=DROP)), "no sub")


def test_jti_and_ver(ctx):
    session, version = user(ctx)
    uid = session["user"]["id"]
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti=DROP)), "missing jti")
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti="")), "empty jti")
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti="x" * 32)), "jti not hex")
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti="A" * 32)), "jti upper-case hex")
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti="a" * 31)), "jti 31 chars")
    refused(ctx, ctx.forge(ctx.claims(uid, version, jti=12345)), "jti a number")
    refused(ctx, ctx.forge(ctx.claims(uid, version, ver=DROP)), "missing ver")
    refused(ctx, ctx.forge(ctx.claims(uid, version + 1)), "ver ahead of the user's")
    refused(ctx, ctx.forge(ctx.claims(uid, version - 1)), "ver behind the user's")


def test_revoked_jti_reused_in_forged_token(ctx):
    # A logged-out token's jti stays refused even in another (validly signed) token.
    session = ctx.login()
    version = int(ctx.sql_value("SELECT token_version FROM shopper WHERE id = %d" % session["user"]["id"]))
    import base64
    import json
    payload = session["token"].split(".")[1]
    jti = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
    ctx.expect(ctx.post("/api/v1/auth/logout", token=session["token"]), 204)
    ctx.wait_session_cache()
    refused(ctx, ctx.forge(ctx.claims(session["user"]["id"], version, jti=jti)), "a revoked jti")


def test_tampered_payload_old_signature(ctx):
    session, version = user(ctx)
    other = ctx.login()
    head, body, sig = session["token"].split(".")
    import base64
    import json
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for change in ({"sub": str(other["user"]["id"])}, {"exp": claims["exp"] + 86400}, {"ver": claims["ver"] + 1},
                   {"aud": "kanjia-admin"}, {"role": "admin"}):
        tampered = dict(claims, **change)
        refused(ctx, head + "." + b64url_json(tampered) + "." + sig, "payload changed %r" % change)
    # Same claims, re-encoded differently (whitespace): the signature no longer matches.
    reencoded = b64url(json.dumps(claims, indent=1).encode())
    refused(ctx, head + "." + reencoded + "." + sig, "re-encoded payload")
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="the untouched token")


def test_oversized_token_and_worker_survives(ctx):
    session, version = user(ctx)
    uid = session["user"]["id"]
    big = ctx.forge(ctx.claims(uid, version, pad="x" * 5000))
    check(len(big) > 4096, "token size %d" % len(big))
    refused(ctx, big, "a 6 KiB token")
    for size in (4097, 7000):
        claims = ctx.claims(uid, version, pad="")
        base = len(ctx.forge(claims))
        claims["pad"] = "y" * (((size - base) * 3) // 4 + 3)
        token = ctx.forge(claims)
        check(len(token) > 4096, "token size %d" % len(token))
        refused(ctx, token, "a %d-byte token" % len(token))
    for _ in range(2 * ctx.workers):
        ctx.expect(ctx.get(ME, token=session["token"]), 200, what="the pool after oversized tokens")


def test_token_just_under_limit_is_accepted(ctx):
    # The size limit is the only refusal: a right token of ~4000 bytes is fine.
    session, version = user(ctx)
    claims = ctx.claims(session["user"]["id"], version, pad="")
    base = len(ctx.forge(claims))
    claims["pad"] = "z" * (((4000 - base) * 3) // 4)
    token = ctx.forge(claims)
    check(3900 <= len(token) <= 4096, "token size %d" % len(token))
    ctx.expect(ctx.get(ME, token=token), 200, what="a right %d-byte token" % len(token))


def test_huge_authorization_header(ctx):
    # Far over the limit: refused by nginx (431/400/494) or 401; never a crash.
    r = ctx.request("GET", ME, headers={"Authorization": "Bearer " + "a" * 20000}, checked=False)
    check(r.status in (400, 401, 413, 431, 494), "a 20 KB header: %d" % r.status)
    ctx.expect(ctx.get("/api/v1/nope"), 404, "not_found", what="the pool afterwards")


def test_claims_of_the_wrong_json_type(ctx):
    # Right key, right values, wrong JSON types: never read as 0 or ignored.
    session, version = user(ctx)
    uid = session["user"]["id"]
    now = int(time.time())
    cases = [
        ("ver as a string", {"ver": str(version)}),
        ("ver as a float", {"ver": float(version)}),
        ("ver as true/false", {"ver": bool(version)}),
        ("ver null", {"ver": None}),
        ("iat as a string", {"iat": str(now)}),
        ("iat as a word", {"iat": "x"}),
        ("iat null", {"iat": None}),
        ("exp as a float", {"exp": float(now + 3600)}),
        ("exp null", {"exp": None}),
        ("exp huge", {"exp": 10 ** 20}),
        ("nbf as a word", {"nbf": "x"}),
        ("nbf as a string in the past", {"nbf": str(now - 60)}),
        ("nbf null", {"nbf": None}),
        ("iss as a list", {"iss": [ctx.issuer]}),
        ("jti as a list", {"jti": ["%032x" % 1]}),
        ("sub as a list", {"sub": [str(uid)]}),
    ]
    for what, change in cases:
        refused(ctx, ctx.forge(ctx.claims(uid, version, **change)), what)
    ctx.expect(ctx.get(ME, token=ctx.forge(ctx.claims(uid, version))), 200, what="the control")
