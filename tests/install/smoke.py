#!/usr/bin/env python3
"""smoke.py — a shopper's first minutes through the INSTALLED nginx site and
binary: the pages, the console and its chart.js, nothing but pages served,
an SMS login, the campaigns. One "ok - ..." or "not ok - ..." line per
check; exit status 1 if any failed.

    smoke.py BASE_URL MARIADB_SOCKET
"""
import json
import random
import re
import subprocess
import sys
import urllib.error
import urllib.request

BASE, SOCKET = sys.argv[1], sys.argv[2]
# A phone's browser: seed-demo loads the default fraud pack, which refuses
# HTTP libraries' user agents (Python-urllib among them) at login.
USER_AGENT = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0 Mobile Safari/537.36")
failures = 0


def report(ok, name, detail=""):
    global failures
    if not ok:
        failures += 1
    print("%s - %s%s" % ("ok" if ok else "not ok", name, "" if ok or not detail else " (%s)" % detail))


def request(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("User-Agent", USER_AGENT)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sql(query):
    result = subprocess.run(["mariadb", "--socket=" + SOCKET, "-u", "root", "kanjia", "-N", "-B", "-e", query],
                            capture_output=True, timeout=30, text=True)
    return result.stdout.strip()


status, headers, body = request("GET", "/")
report(status == 200 and b"<html" in body.lower(), "GET / serves the shopper page", status)
status, headers, body = request("GET", "/admin/")
report(status == 200 and b"chart.umd.min.js" in body, "GET /admin/ serves the console", status)
status, headers, body = request("GET", "/admin/assets/vendor/chart.umd.min.js")
report(status == 200 and b"Chart.js v" in body[:200], "the console's chart.js is served (Debian's libjs-chart.js)", status)
# run.sh put these files under root: the site file must still refuse them.
for path in ("/admin/README.md", "/admin/package.json", "/admin/package-lock.json", "/README.md"):
    status, headers, body = request("GET", path)
    report(status == 404, "GET %s is 404 although the file is there (only pages and assets are served)" % path, status)
# ... and the rule leaves the API alone: its own JSON 404 for such a path.
status, headers, body = request("GET", "/api/v1/README.md")
report(status == 404 and b'"error"' in body and headers.get("X-Request-Id") is not None,
       "GET /api/v1/README.md reaches the API (its JSON 404)", "%s %s" % (status, body[:120]))

phone = "1380013%04d" % random.randrange(10000)
status, headers, body = request("POST", "/api/v1/auth/sms", {"phone": phone})
report(status == 202, "POST /api/v1/auth/sms through nginx", "%s %s" % (status, body[:200]))
outbox = sql("SELECT body FROM sms_outbox WHERE phone = '%s' ORDER BY id DESC LIMIT 1" % phone)
codes = re.findall(r"(?<!\d)\d{6}(?!\d)", outbox)
report(len(codes) == 1, "the code is in sms_outbox")
token = None
if codes:
    status, headers, body = request("POST", "/api/v1/auth/login", {"phone": phone, "code": codes[0]})
    report(status == 200 and b'"token"' in body, "POST /api/v1/auth/login", "%s %s" % (status, body[:200]))
    if status == 200:
        token = json.loads(body)["token"]
        report(headers.get("X-Request-Id") is not None, "the answer carries X-Request-Id")

status, headers, body = request("GET", "/api/v1/campaigns", token=token)
campaigns = json.loads(body).get("items", []) if status == 200 else []
report(status == 200 and len(campaigns) > 0, "GET /api/v1/campaigns lists the demo campaign", status)
if campaigns:
    status, headers, body = request("GET", "/api/v1/campaigns/%d" % campaigns[0]["id"], token=token)
    report(status == 200 and b'"items"' in body, "GET /api/v1/campaigns/{id}", status)

sys.exit(1 if failures else 0)
