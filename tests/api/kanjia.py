"""kanjia.py: the shared context of the API tests (tests/api/).

One Context object is built by run.py and handed to every test function.
It knows the stack under test from the environment ./dev exports
(KANJIA_BASE_URL, KANJIA_RUN_DIR, KANJIA_CONF, KANJIA_BIN, KANJIA_REPO) and
offers: an HTTP client with JSON helpers (every answer is checked for
X-Request-Id and, when it is an error, for the JSON envelope and for leaks),
sql() through the mariadb CLI on the instance's socket, unique phones and
client IPs, the SMS login flow, JWT forging (HS256/HS512 with hmac), and a
FastCGI client that talks to the pool's socket directly (for what nginx
never lets through).

Standard library only.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.parse

import openapi_check


class Skip(Exception):
    """Raised by a test that cannot run against this stack."""


class CheckError(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise CheckError(message)


def eq(actual, expected, what):
    if actual != expected:
        raise CheckError("%s: expected %r, got %r" % (what, expected, actual))


# Strings no error body may contain: SQL, file paths, stacks, library names.
LEAK_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"\bselect\b.*\bfrom\b", r"\binsert\s+into\b", r"\bupdate\s+\w+\s+set\b", r"\bdelete\s+from\b",
        r"\bwhere\b\s+\w+\s*=", r"mysql", r"mariadb", r"sqlstate", r"syntax", r"errno",
        r"/(usr|tmp|work|home|root|var|etc|run|proc)/", r"\.c:\d+", r"\.py\b", r"traceback",
        r"\bat 0x[0-9a-f]+", r"#\d+\s+0x", r"segmentation", r"sanitizer", r"jansson", r"libjwt", r"fcgi",
    )
]


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage: case-insensitive get()
        self.body = body
        self._json = None
        self._json_done = False

    def header(self, name):
        return self.headers.get(name)

    @property
    def json(self):
        if not self._json_done:
            self._json_done = True
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json

    @property
    def error_code(self):
        j = self.json
        if isinstance(j, dict) and isinstance(j.get("error"), dict):
            return j["error"].get("code")
        return None

    def short(self):
        text = self.body[:300].decode("utf-8", "replace")
        return "%d %s" % (self.status, text)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def read_config(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


class Context:
    def __init__(self):
        self.base_url = os.environ.get("KANJIA_BASE_URL", "http://127.0.0.1:18080").rstrip("/")
        self.run_dir = os.environ.get("KANJIA_RUN_DIR", "")
        self.conf_path = os.environ.get("KANJIA_CONF", "")
        self.bin = os.environ.get("KANJIA_BIN", "")
        self.repo = os.environ.get("KANJIA_REPO", "")
        url = urllib.parse.urlsplit(self.base_url)
        check(url.hostname in ("127.0.0.1", "localhost", "::1"), "KANJIA_BASE_URL must be a loopback address")
        self.host = url.hostname
        self.port = url.port or 80
        self.conf = read_config(self.conf_path) if self.conf_path else {}
        self.secret = self.conf.get("jwt_secret", "")
        self.kid = self.conf.get("jwt_kid", "k1")
        self.issuer = self.conf.get("jwt_issuer", "kanjia")
        self.audience = self.conf.get("jwt_audience", "kanjia-shop")
        self.token_ttl_s = int(self.conf.get("token_ttl_s", "604800"))
        self.sms_gap_s = int(self.conf.get("sms_phone_gap_s", "60"))
        self.sms_per_hour = int(self.conf.get("sms_phone_per_hour", "5"))
        self.sms_per_day = int(self.conf.get("sms_phone_per_day", "10"))
        self.sms_ip_per_hour = int(self.conf.get("sms_ip_per_hour", "30"))
        self.code_max_tries = int(self.conf.get("sms_code_max_tries", "5"))
        self.login_fail_limit = int(self.conf.get("login_fail_limit", "10"))
        self.workers = int(self.conf.get("workers", "4"))
        self.listen = self.conf.get("listen", "")
        self.socket_path = os.path.join(self.run_dir, "mysqld.sock")
        self.log_path = os.path.join(self.run_dir, "kanjiad.log")
        # The developer stack at /tmp/kj is shared: no signals to its pool.
        self.shared_stack = os.path.realpath(self.run_dir or "/") == "/tmp/kj"
        self._lock = threading.Lock()
        self._document = None
        self._phones = set()
        self._ips = set()
        self._rng = random.SystemRandom()
        # Every phone, code and token the suite used: none may reach the log.
        self.secrets = set()
        # Per-test state for the runner: set by run.py.
        self.current_test = None

    # ------------------------------------------------------------ identities

    def new_phone(self):
        with self._lock:
            while True:
                phone = "1%d%09d" % (self._rng.randint(3, 9), self._rng.randrange(10 ** 9))
                if phone not in self._phones:
                    self._phones.add(phone)
                    self.secrets.add(phone)
                    return phone

    def new_ip(self):
        with self._lock:
            while True:
                ip = "10.%d.%d.%d" % (self._rng.randrange(256), self._rng.randrange(256), self._rng.randrange(1, 255))
                if ip not in self._ips:
                    self._ips.add(ip)
                    return ip

    # ------------------------------------------------------------------ HTTP

    def request(self, method, path, body=None, json_body=None, headers=None, ip=None, token=None,
                content_type=None, timeout=15, checked=True):
        """Sends one request on a fresh connection; returns a Response.

        json_body is serialised with Content-Type application/json unless
        content_type says otherwise; body is sent as is (bytes or str).
        Every answer is checked for X-Request-Id; an error answer also for
        the JSON envelope and for leaks (checked=False turns that off)."""
        all_headers = {"Host": "%s:%d" % (self.host, self.port), "Connection": "close"}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode("utf-8")
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        all_headers["X-Forwarded-For"] = ip or self.new_ip()
        if token is not None:
            all_headers["Authorization"] = "Bearer " + token
        if headers:
            all_headers.update(headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in all_headers.items():
                if value is not None:
                    conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            if body:
                try:
                    conn.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server answered early (413): read that answer
            raw = conn.getresponse()
            data = raw.read()
            response = Response(raw.status, raw.reason, raw.msg, data)
        finally:
            conn.close()
        if checked:
            self.check_response(response, "%s %s" % (method, path))
            self.check_document(method, path, response)
        return response

    def check_document(self, method, path, response):
        """The answer against docs/openapi.json (openapi_check.py)."""
        if self._document is None:
            self._document = openapi_check.Document()
        is_json = (response.header("Content-Type") or "").startswith("application/json")
        problem = self._document.problems(method, path, response.status, response.header("Content-Type"),
                                          response.json if is_json and response.body else None)
        check(problem is None, "the OpenAPI document: %s" % problem)

    def check_response(self, response, what):
        check(response.header("X-Request-Id"), "%s: answer %d without X-Request-Id" % (what, response.status))
        if response.status >= 400:
            self.check_error_body(response, what)

    def check_error_body(self, response, what):
        j = response.json
        check(isinstance(j, dict) and isinstance(j.get("error"), dict),
              "%s: error %d without the JSON envelope: %r" % (what, response.status, response.body[:200]))
        code, message = j["error"].get("code"), j["error"].get("message")
        check(isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_]*", code or ""),
              "%s: error code %r is not snake_case" % (what, code))
        check(isinstance(message, str) and message, "%s: error without a message" % what)
        text = response.body.decode("utf-8", "replace")
        for pattern in LEAK_PATTERNS:
            check(not pattern.search(text), "%s: error body leaks internals (%s): %s" % (what, pattern.pattern, text))
        content_type = response.header("Content-Type") or ""
        check(content_type.startswith("application/json"),
              "%s: error answer with Content-Type %r" % (what, content_type))

    def concurrently(self, calls, what="concurrent requests", batch=None, timeout=120):
        """Runs every call in calls (functions of no argument that send
        requests and return what they got) on a thread of its own, each
        batch released at once by a barrier, batch=None: all together;
        returns the results in the order of calls.

        Fails unless every call returned: a call that raised (a timeout, a
        reset, a check) or never finished is a failure here, with a count
        and the first errors, never a request that silently vanished from
        the totals the test checks next."""
        calls = list(calls)
        check(calls, "%s: nothing to run" % what)
        results = [None] * len(calls)
        errors = [None] * len(calls)
        done = [False] * len(calls)
        size = batch or len(calls)
        deadline = time.monotonic() + timeout
        for start in range(0, len(calls), size):
            chunk = range(start, min(start + size, len(calls)))
            barrier = threading.Barrier(len(chunk))

            def run(i, barrier=barrier):
                try:
                    try:
                        barrier.wait(30)
                    except threading.BrokenBarrierError:
                        pass  # a thread that could not start: run anyway
                    results[i] = calls[i]()
                    done[i] = True
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors[i] = error

            threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in chunk]
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
        raised = [(i, e) for i, e in enumerate(errors) if e is not None]
        unfinished = [i for i in range(len(calls)) if not done[i] and errors[i] is None]
        if raised or unfinished:
            detail = "; ".join("#%d %s: %s" % (i, type(e).__name__, e) for i, e in raised[:3])
            raise CheckError("%s: %d of %d got no answer (%d raised, %d still running after %ds)%s"
                             % (what, len(raised) + len(unfinished), len(calls), len(raised), len(unfinished),
                                timeout, ": " + detail if detail else ""))
        return results

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json_body=None, **kw):
        return self.request("POST", path, json_body=json_body, **kw)

    def expect(self, response, status, code=None, what=""):
        """Asserts the status (and error code); returns the parsed JSON."""
        if response.status != status or (code is not None and response.error_code != code):
            raise CheckError("%sexpected %d%s, got %s" % (what + ": " if what else "", status,
                                                         " " + code if code else "", response.short()))
        return response.json

    # ------------------------------------------------------------------- SQL

    def sql(self, query):
        """Runs query as root on the instance's MariaDB; returns rows as lists
        of strings (NULL as None)."""
        result = subprocess.run(
            ["mariadb", "--socket=" + self.socket_path, "-u", "root", "--default-character-set=utf8mb4",
             "kanjia", "-N", "-B", "-e", "SET time_zone = '+00:00'; " + query],
            capture_output=True, timeout=30)
        if result.returncode != 0:
            raise CheckError("sql failed: %s: %s" % (query[:120], result.stderr.decode("utf-8", "replace")[:300]))
        rows = []
        for line in result.stdout.decode("utf-8").splitlines():
            rows.append([None if cell == "NULL" else cell for cell in line.split("\t")])
        return rows

    def sql_value(self, query):
        rows = self.sql(query)
        return rows[0][0] if rows else None

    @staticmethod
    def q(text):
        """A SQL string literal (test data is digits, letters, dots, colons)."""
        check(re.fullmatch(r"[0-9A-Za-z.:_\-]*", text) is not None, "unsafe SQL literal %r" % text)
        return "'" + text + "'"

    # ------------------------------------------------------------ SMS login

    def send_sms(self, phone, ip=None, expect=202):
        r = self.post("/api/v1/auth/sms", {"phone": phone}, ip=ip)
        if expect is not None:
            self.expect(r, expect, what="sms for a phone")
        return r

    def outbox(self, phone):
        return [row[0] for row in self.sql("SELECT body FROM sms_outbox WHERE phone = %s ORDER BY id" % self.q(phone))]

    def latest_code(self, phone):
        bodies = self.outbox(phone)
        check(bodies, "no sms_outbox row for the phone")
        codes = re.findall(r"(?<!\d)\d{6}(?!\d)", bodies[-1])
        eq(len(codes), 1, "runs of six digits in the SMS body")
        check(not re.search(r"\d{7,}", bodies[-1]), "the SMS body has a run of more than six digits")
        self.secrets.add(codes[0])
        return codes[0]

    def skip_gap(self, phone):
        """Moves the phone's last send back past the resend gap."""
        self.sql("UPDATE rate_counter SET window_start = window_start - %d WHERE bucket = %s"
                 % (self.sms_gap_s + 1, self.q("sms:gap:" + phone)))

    def counter(self, bucket):
        value = self.sql_value("SELECT hits FROM rate_counter WHERE bucket = %s" % self.q(bucket))
        return None if value is None else int(value)

    def login(self, phone=None, ip=None, fresh_sms=True):
        """SMS then login; returns the 200 answer's JSON (token, user, ...)."""
        phone = phone or self.new_phone()
        ip = ip or self.new_ip()
        if fresh_sms:
            if self.sql_value("SELECT COUNT(*) FROM rate_counter WHERE bucket = %s" % self.q("sms:gap:" + phone)) != "0":
                self.skip_gap(phone)
            self.send_sms(phone, ip=ip)
        code = self.latest_code(phone)
        r = self.post("/api/v1/auth/login", {"phone": phone, "code": code}, ip=ip)
        j = self.expect(r, 200, what="login")
        self.secrets.add(j["token"])
        j["phone"] = phone
        j["code"] = code
        return j

    # Share opens are written by each worker in batches, at most
    # SHARE_FLUSH_MS (250 ms, bargain/share_count.h) after the landing; a
    # test that reads them (or asserts one was not counted) waits past that.
    SHARE_FLUSH_WAIT_S = 0.8

    def wait_share_flush(self):
        """Sleeps until every landing answered so far has been written."""
        time.sleep(self.SHARE_FLUSH_WAIT_S)

    # Each worker keeps a token's revocation state for at most a second
    # (SESSION_CACHE_US, fcgi/http/session.c): a test that revokes (logout,
    # block, disable, token version) and then expects the token refused
    # waits past it, since the next request may reach a worker that saw the
    # token a moment ago.
    SESSION_CACHE_WAIT_S = 1.1

    def wait_session_cache(self):
        """Sleeps until every worker has forgotten what it knew of a token."""
        time.sleep(self.SESSION_CACHE_WAIT_S)

    # The shop's day starts at 00:00 Asia/Shanghai, 16:00 UTC.
    SHOP_DAY_START_UTC_S = 16 * 3600

    def wait_day_boundary(self, margin=60):
        """Sleeps past the shop's day boundary (16:00 UTC) when it is less
        than margin s away, so a test of daily limits stays in one day."""
        left = 86400 - int(time.time() - self.SHOP_DAY_START_UTC_S) % 86400
        if left <= margin:
            time.sleep(left + 1)

    def wait_hour_boundary(self, margin=15):
        """Sleeps past a clock hour boundary that is less than margin s away,
        so a test of hourly windows does not straddle two windows."""
        left = 3600 - int(time.time()) % 3600
        if left <= margin:
            time.sleep(left + 1)

    # ------------------------------------------------------------------ JWT

    def claims(self, user_id, version=0, **overrides):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "jti": "%032x" % self._rng.getrandbits(128),
            "iat": now,
            "exp": now + 3600,
            "ver": version,
        }
        for key, value in overrides.items():
            if value is DROP:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def forge(self, claims, header=None, secret=None, alg="HS256", digest=None):
        """Signs claims with HMAC (the configured secret unless given)."""
        if header is None:
            header = {"alg": alg, "typ": "JWT", "kid": self.kid}
        key = (self.secret if secret is None else secret)
        key = key.encode("utf-8") if isinstance(key, str) else key
        if digest is None:
            digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}.get(alg, hashlib.sha256)
        signing_input = b64url_json(header) + "." + b64url_json(claims)
        signature = hmac.new(key, signing_input.encode("ascii"), digest).digest()
        token = signing_input + "." + b64url(signature)
        self.secrets.add(token)
        return token

    # ------------------------------------------------------- the pool itself

    def master_pid(self):
        with open(os.path.join(self.run_dir, "kanjiad.pid")) as f:
            return int(f.read().strip())

    def children(self, pid):
        found = set()
        try:
            for task in os.listdir("/proc/%d/task" % pid):
                try:
                    with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                        found.update(int(x) for x in f.read().split())
                except OSError:
                    pass
        except OSError:
            pass
        return found

    def worker_pids(self):
        """The pool's current workers (the master's children)."""
        return self.children(self.master_pid())

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def served_by(self, rids, since=0, wait_s=3.0):
        """Maps each request id in rids to the pid of the worker that served
        it, read from the pool's JSON log (its "request" lines) from byte
        offset since; waits up to wait_s for lines still being written.
        Fails if some request id never shows up."""
        wanted = set(rids)
        found = {}
        deadline = time.monotonic() + wait_s
        while True:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                for line in f:
                    if b'"event":"request"' not in line:
                        continue
                    try:
                        entry = json.loads(line.decode("utf-8", "replace"))
                    except ValueError:
                        continue
                    if entry.get("rid") in wanted:
                        found[entry["rid"]] = entry.get("pid")
            if len(found) == len(wanted) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        missing = wanted - set(found)
        check(not missing, "%d request id(s) not in the pool log, e.g. %s" % (len(missing), sorted(missing)[:2]))
        return found

    def every_worker(self, send, what, rounds=60, burst=None):
        """Sends bursts of concurrent requests (send() returns a Response)
        until every worker of the pool has served at least one, as the
        pool's log tells (pid per request id). Returns {pid: [responses]}
        for the current workers. Fails if a worker never answered, or if a
        request was served by a pid that is not a worker of the pool."""
        workers = self.worker_pids()
        check(len(workers) == self.workers, "the pool has %d workers, not %d" % (len(workers), self.workers))
        burst = burst or 2 * len(workers)
        served = {pid: [] for pid in workers}
        for _ in range(rounds):
            since = self.log_size()
            answers = self.concurrently([send] * burst, what=what)
            pids = self.served_by([r.header("X-Request-Id") for r in answers], since)
            for r in answers:
                pid = pids[r.header("X-Request-Id")]
                check(pid in served, "%s: served by pid %r, not one of the workers %s" % (what, pid, sorted(workers)))
                served[pid].append(r)
            if all(served.values()):
                return served
        idle = sorted(pid for pid, got in served.items() if not got)
        raise CheckError("%s: worker(s) %s served none of %d requests" % (what, idle, rounds * burst))

    def fastcgi(self, params, stdin=b"", timeout=10, pause_after=None, pause_s=0.0):
        """One FastCGI request straight to the pool's socket; returns
        (status, headers dict lower-cased, body bytes); status 0 when the
        worker closed the connection without an answer. pause_after=n
        sends the first n bytes, waits pause_s, then sends the rest (a slow
        web server)."""
        check(self.listen, "no listen socket in the config")

        def record(kind, content, request_id=1):
            out = b""
            for start in range(0, max(len(content), 1), 65535):
                chunk = content[start:start + 65535]
                out += struct.pack(">BBHHBB", 1, kind, request_id, len(chunk), 0, 0) + chunk
            return out

        def pair(name, value):
            name, value = name.encode(), value.encode()
            enc = b""
            for item in (name, value):
                enc += bytes([len(item)]) if len(item) < 128 else struct.pack(">I", len(item) | 0x80000000)
            return enc + name + value

        packed = b"".join(pair(k, v) for k, v in params.items())
        data = record(1, struct.pack(">HB5x", 1, 0))
        data += record(4, packed) + record(4, b"")
        if stdin:
            data += record(5, stdin)
        data += record(5, b"")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(self.listen)
            try:
                if pause_after is not None:
                    sock.sendall(data[:pause_after])
                    time.sleep(pause_s)
                    data = data[pause_after:]
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            received = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += chunk
        finally:
            sock.close()
        stdout = b""
        offset = 0
        while offset + 8 <= len(received):
            _, kind, _, length, padding, _ = struct.unpack(">BBHHBB", received[offset:offset + 8])
            content = received[offset + 8:offset + 8 + length]
            offset += 8 + length + padding
            if kind == 6:
                stdout += content
        head, _, body = stdout.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        status = int(headers.get("status", "200").split()[0]) if head else 0
        return status, headers, body

    def fastcgi_params(self, method, path, ip="10.255.0.1", **extra):
        params = {
            "REQUEST_METHOD": method,
            "DOCUMENT_URI": path,
            "REQUEST_URI": path,
            "QUERY_STRING": "",
            "REMOTE_ADDR": ip,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        params.update(extra)
        return params


DROP = object()  # claims(..., name=DROP) leaves the claim out
