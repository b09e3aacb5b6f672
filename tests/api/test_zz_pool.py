"""The pool under signals (kill -9 of a worker, SIGHUP reload) and the
pool's log. Runs last: the log checks cover everything the suite did.

The two signal tests are skipped against the shared developer stack
(KANJIA_RUN_DIR=/tmp/kj): they only run on a stack of our own (./dev test)."""

import json
import os
import re
import signal
import threading
import time

from kanjia import Skip, check, eq

ORDER = 90

ME = "/api/v1/me"


def own_stack(ctx):
    if ctx.shared_stack:
        raise Skip("the shared stack at /tmp/kj is not ours to signal")
    if not os.path.exists(os.path.join(ctx.run_dir, "kanjiad.pid")):
        raise Skip("no kanjiad.pid in KANJIA_RUN_DIR")


def wait_workers(ctx, master, count, timeout, exclude=()):
    """Polls until master has exactly count children, none in exclude."""
    deadline = time.monotonic() + timeout
    children = set()
    while time.monotonic() < deadline:
        children = ctx.children(master)
        if len(children) == count and not (children & set(exclude)):
            return children
        time.sleep(0.02)
    return None


def test_kill_9_worker_is_replaced(ctx):
    own_stack(ctx)
    session = ctx.login()
    master = ctx.master_pid()
    before = wait_workers(ctx, master, ctx.workers, 5)
    check(before is not None, "the pool does not have %d workers: %s" % (ctx.workers, sorted(ctx.children(master))))
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    started = time.monotonic()
    after = wait_workers(ctx, master, ctx.workers, 1.0, exclude={victim})
    took = time.monotonic() - started
    check(after is not None, "no replacement within 1 s: children now %s (killed %d)"
          % (sorted(ctx.children(master)), victim))
    eq(len(after - before), 1, "new workers")
    eq(before - after, {victim}, "workers gone")
    errors = []
    for i in range(20):
        r = ctx.get(ME, token=session["token"])
        if r.status != 200:
            errors.append(r.short())
    check(not errors, "%d of 20 requests after the kill failed: %s" % (len(errors), errors[:3]))
    eq(os.path.exists("/proc/%d" % master), True, "master alive")
    del took


def test_kill_9_worker_under_load(ctx):
    own_stack(ctx)
    session = ctx.login()
    master = ctx.master_pid()
    before = wait_workers(ctx, master, ctx.workers, 5)
    check(before is not None, "worker count before")
    stop = threading.Event()
    results = []

    def loop():
        while not stop.is_set():
            try:
                results.append(ctx.get(ME, token=session["token"], checked=False).status)
            except Exception as error:  # noqa: BLE001
                results.append(repr(error))

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    os.kill(min(before), signal.SIGKILL)
    time.sleep(0.7)
    stop.set()
    for t in threads:
        t.join(20)
    after = wait_workers(ctx, master, ctx.workers, 2, exclude={min(before)})
    check(after is not None, "the pool did not get back to %d workers" % ctx.workers)
    # A request the killed worker was serving may fail (502/503 from nginx);
    # at most one per killed worker, and everything else succeeds.
    bad = [s for s in results if s != 200]
    check(len(bad) <= 1, "%d of %d requests failed around the kill: %s" % (len(bad), len(results), bad[:5]))
    for _ in range(20):
        ctx.expect(ctx.get(ME, token=session["token"]), 200, what="after the kill")


def test_sighup_reload_without_failed_requests(ctx):
    own_stack(ctx)
    session = ctx.login()
    master = ctx.master_pid()
    before = wait_workers(ctx, master, ctx.workers, 5)
    check(before is not None, "the pool does not have %d workers" % ctx.workers)
    stop = threading.Event()
    results = []
    lock = threading.Lock()

    def loop(kind):
        while not stop.is_set():
            try:
                if kind == "me":
                    r = ctx.get(ME, token=session["token"], checked=False)
                    ok = r.status == 200
                elif kind == "sms":
                    r = ctx.post("/api/v1/auth/sms", {"phone": ctx.new_phone()}, checked=False)
                    ok = r.status == 202
                else:
                    r = ctx.get("/api/v1/nope", checked=False)
                    ok = r.status == 404 and r.error_code == "not_found"
                with lock:
                    results.append((kind, r.status, ok, r.body[:120]))
            except Exception as error:  # noqa: BLE001
                with lock:
                    results.append((kind, None, False, repr(error)))

    threads = [threading.Thread(target=loop, args=(kind,)) for kind in ("me", "me", "sms", "404")]
    for t in threads:
        t.start()
    time.sleep(0.5)
    os.kill(master, signal.SIGHUP)
    time.sleep(1.5)
    os.kill(master, signal.SIGHUP)  # and a second reload straight after a first
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join(30)
    failed = [r for r in results if not r[2]]
    check(len(results) > 40, "only %d requests ran during the reloads" % len(results))
    check(not failed, "%d of %d requests failed during SIGHUP reloads: %s" % (len(failed), len(results), failed[:5]))
    after = wait_workers(ctx, master, ctx.workers, 5, exclude=before)
    check(after is not None, "after SIGHUP the old workers %s are not all gone / count is not %d: now %s"
          % (sorted(before), ctx.workers, sorted(ctx.children(master))))
    for _ in range(10):
        ctx.expect(ctx.get(ME, token=session["token"]), 200, what="after the reloads")


def test_sighup_while_a_request_runs_old_worker_exits(ctx):
    # A worker busy with a request when SIGHUP comes must leave once that
    # request is done, not wait in accept() with the old config for another
    # connection. The request is kept busy on a row lock held here; the
    # sweep timer (which also wakes accept()) is set long for the test.
    import subprocess
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    quiet = config_without(original, ("sweep_interval_s",)) + "sweep_interval_s = 3600\n"
    phone = ctx.new_phone()
    bucket = "sms:gap:" + phone
    ctx.sql("INSERT INTO rate_counter (bucket, window_start, hits) VALUES (%s, 0, 1)" % ctx.q(bucket))
    master = ctx.master_pid()
    try:
        reload_config(ctx, quiet)
        before = wait_workers(ctx, master, ctx.workers, 5)
        check(before is not None, "worker count before")
        holder = subprocess.Popen(
            ["mariadb", "--socket=" + ctx.socket_path, "-u", "root", "kanjia", "-N", "-B", "-e",
             "BEGIN; SELECT hits FROM rate_counter WHERE bucket = %s FOR UPDATE; DO SLEEP(1.5); COMMIT;"
             % ctx.q(bucket)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            answer = []
            busy = threading.Thread(target=lambda: answer.append(ctx.post("/api/v1/auth/sms", {"phone": phone})))
            busy.start()
            time.sleep(0.3)
            os.kill(master, signal.SIGHUP)
            busy.join(20)
        finally:
            holder.wait(20)
        check(answer, "the busy request did not answer")
        ctx.expect(answer[0], 202, what="the request that was running during SIGHUP")
        done = time.monotonic()
        lingering = before
        while time.monotonic() - done < 1.0:
            lingering = before & ctx.children(master)
            if not lingering:
                break
            time.sleep(0.02)
        check(not lingering, "old worker(s) %s still alive %.1f s after SIGHUP and after their request ended: "
              "blocked in accept() with the old config until another connection comes"
              % (sorted(lingering), time.monotonic() - done))
    finally:
        settle(ctx, original)


def test_reload_while_a_request_head_is_in_flight(ctx):
    # SIGHUP lands while a worker has accepted a connection and waits for its
    # request head: the request is still answered (nginx would say 502/503).
    own_stack(ctx)
    master = ctx.master_pid()
    before = wait_workers(ctx, master, ctx.workers, 5)
    check(before is not None, "worker count before")
    params = ctx.fastcgi_params("GET", "/api/v1/nope", REQUEST_ID="headinflight")
    timer = threading.Timer(0.4, os.kill, (master, signal.SIGHUP))
    timer.start()
    try:
        status, headers, _ = ctx.fastcgi(params, pause_after=8, pause_s=1.2)
    finally:
        timer.join()
    check(status == 404, "a request whose head arrived during a reload got no answer (status %d)" % status)
    eq(headers.get("x-request-id"), "headinflight", "X-Request-Id")
    after = wait_workers(ctx, master, ctx.workers, 5, exclude=before)
    check(after is not None, "workers after the reload: %s" % sorted(ctx.children(master)))


def test_sweep_timer_while_a_request_head_is_in_flight(ctx):
    # The worker's periodic housekeeping (sweep_interval_s) must not cost a
    # request whose head is still on its way. Interval 1 s, head 1.5 s late.
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    try:
        reload_config(ctx, config_without(original, ("sweep_interval_s",)) + "sweep_interval_s = 1\n")
        params = ctx.fastcgi_params("GET", "/api/v1/nope", REQUEST_ID="sweepinflight")
        for attempt in range(2):
            status, _, _ = ctx.fastcgi(params, pause_after=8, pause_s=1.5)
            check(status == 404, "attempt %d: a request whose head arrived while the sweep timer fired got no "
                  "answer (status %d)" % (attempt + 1, status))
    finally:
        settle(ctx, original)


def settle(ctx, text):
    """Writes the config, reloads, and waits (sending harmless requests, which
    also flush a worker stuck in accept()) for exactly a fresh set of workers."""
    master = ctx.master_pid()
    old = ctx.children(master)
    with open(ctx.conf_path, "w", encoding="utf-8") as f:
        f.write(text)
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = ctx.children(master)
        if len(children) == ctx.workers and not (children & old):
            return
        ctx.get("/api/v1/nope", checked=False)
        time.sleep(0.05)
    raise AssertionError("the pool did not settle after a reload: %s" % sorted(ctx.children(master)))


ROTATION_KEYS = ("jwt_secret", "jwt_kid", "jwt_previous_secret", "jwt_previous_kid", "jwt_previous_until")


def config_without(text, keys):
    kept = []
    for line in text.splitlines():
        name = line.split("=", 1)[0].strip() if "=" in line and not line.strip().startswith("#") else None
        if name not in keys:
            kept.append(line)
    return "\n".join(kept) + "\n"


def reload_config(ctx, text, expect_new_workers=True):
    """Writes the pool's config file, sends SIGHUP, waits for the new set of
    workers (or checks that the old set stays, for a refused config)."""
    master = ctx.master_pid()
    before = wait_workers(ctx, master, ctx.workers, 5)
    check(before is not None, "worker count before the reload")
    with open(ctx.conf_path, "w", encoding="utf-8") as f:
        f.write(text)
    os.kill(master, signal.SIGHUP)
    if expect_new_workers:
        after = wait_workers(ctx, master, ctx.workers, 5, exclude=before)
        check(after is not None, "no new set of workers after SIGHUP: %s (before %s)"
              % (sorted(ctx.children(master)), sorted(before)))
    else:
        time.sleep(0.5)
        eq(ctx.children(master), before, "workers after a refused reload")


def rotated_config(ctx, original):
    new_secret = "%048x" % random_bits(192)
    new_kid = "k%d" % random_bits(20)
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    text = config_without(original, ROTATION_KEYS)
    text += ("jwt_secret = %s\njwt_kid = %s\njwt_previous_secret = %s\njwt_previous_kid = %s\n"
             "jwt_previous_until = %s\n" % (new_secret, new_kid, ctx.secret, ctx.kid, until))
    ctx.secrets.add(new_secret)
    return text, new_secret, new_kid


def random_bits(n):
    import random
    return random.SystemRandom().getrandbits(n)


def token_kid(token):
    import base64
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("kid")


def test_key_rotation_by_reload(ctx):
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    old = ctx.login()
    uid, version = old["user"]["id"], 0
    version = int(ctx.sql_value("SELECT token_version FROM shopper WHERE id = %d" % uid))
    text, new_secret, new_kid = rotated_config(ctx, original)
    try:
        reload_config(ctx, text)
        ctx.expect(ctx.get(ME, token=old["token"]), 200, what="a token of the previous key, before its end")
        ctx.expect(ctx.get(ME, token=ctx.forge(ctx.claims(uid, version))), 200,
                   what="forged with the previous key and kid")
        ctx.expect(ctx.get(ME, token=ctx.forge(ctx.claims(uid, version), secret=new_secret,
                                                header={"alg": "HS256", "typ": "JWT", "kid": new_kid})), 200,
                   what="forged with the new key and kid")
        ctx.expect(ctx.get(ME, token=ctx.forge(ctx.claims(uid, version),
                                                header={"alg": "HS256", "typ": "JWT", "kid": new_kid})), 401,
                   "unauthorized", what="the previous key under the new kid")
        ctx.expect(ctx.get(ME, token=ctx.forge(ctx.claims(uid, version), secret=new_secret)), 401,
                   "unauthorized", what="the new key under the previous kid")
        fresh = ctx.login()
        eq(token_kid(fresh["token"]), new_kid, "kid of a token issued after the rotation")
        ctx.expect(ctx.get(ME, token=fresh["token"]), 200, what="a token of the new key")
    finally:
        reload_config(ctx, original)
    ctx.expect(ctx.get(ME, token=fresh["token"]), 401, "unauthorized", what="a new-key token after rolling back")
    ctx.expect(ctx.get(ME, token=old["token"]), 200, what="the old token after rolling back")


def test_previous_key_refused_after_its_end(ctx):
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    old = ctx.login()
    text, _, _ = rotated_config(ctx, original)
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    text = re.sub(r"(?m)^jwt_previous_until = .*$", "jwt_previous_until = " + past, text)
    try:
        reload_config(ctx, text)
        ctx.expect(ctx.get(ME, token=old["token"]), 401, "unauthorized", what="a previous-key token after its end")
    finally:
        reload_config(ctx, original)
    ctx.expect(ctx.get(ME, token=old["token"]), 200, what="after rolling back")


def test_sms_code_survives_key_rotation(ctx):
    # A shopper who asked for a code just before a key rotation can still
    # use it: rotating the JWT key must not void the SMS codes in flight.
    own_stack(ctx)
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    phone = ctx.new_phone()
    ctx.send_sms(phone)
    code = ctx.latest_code(phone)
    text, _, _ = rotated_config(ctx, original)
    try:
        reload_config(ctx, text)
        r = ctx.post("/api/v1/auth/login", {"phone": phone, "code": code})
        if r.status == 200:
            ctx.secrets.add(r.json["token"])
    finally:
        reload_config(ctx, original)
    ctx.expect(r, 200, what="a code sent before the key rotation, used after it")


def test_bad_config_reload_keeps_running(ctx):
    own_stack(ctx)
    session = ctx.login()
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    try:
        reload_config(ctx, original + "no_such_key = 1\n", expect_new_workers=False)
        for _ in range(10):
            ctx.expect(ctx.get(ME, token=session["token"]), 200, what="after a refused reload")
    finally:
        with open(ctx.conf_path, "w", encoding="utf-8") as f:
            f.write(original)
    with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
        check("reload refused" in f.read(), "no 'reload refused' line in the pool log")


def test_workers_recycle_after_max_requests(ctx):
    own_stack(ctx)
    session = ctx.login()
    with open(ctx.conf_path, encoding="utf-8") as f:
        original = f.read()
    master = ctx.master_pid()
    seen = set()
    try:
        reload_config(ctx, config_without(original, ("max_requests",)) + "max_requests = 3\n")
        failures = []
        for i in range(60):
            seen |= ctx.children(master)
            r = ctx.get(ME, token=session["token"], checked=False)
            if r.status != 200:
                failures.append(r.short())
        seen |= ctx.children(master)
        check(not failures, "%d of 60 requests failed while workers recycled: %s" % (len(failures), failures[:3]))
        check(len(seen) >= 60 // 3, "only %d worker pids seen over 60 requests with max_requests = 3" % len(seen))
        back = wait_workers(ctx, master, ctx.workers, 3)
        check(back is not None, "worker count after recycling: %s" % sorted(ctx.children(master)))
    finally:
        settle(ctx, original)


def test_log_has_request_lines(ctx):
    # The log is the product's (kanjiad writes it): missing is a failure.
    check(os.path.exists(ctx.log_path), "no pool log at %s" % ctx.log_path)
    with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    requests = []
    for line in lines:
        if '"event":"request"' not in line:
            continue
        entry = json.loads(line)
        requests.append(entry)
    check(len(requests) > 100, "only %d request lines in the log" % len(requests))
    for entry in requests:
        for key, kind in (("method", str), ("route", str), ("status", int), ("us", int), ("rid", str)):
            check(isinstance(entry.get(key), kind), "log line without %s: %r" % (key, entry))
    routes = {(e["method"], e["route"], e["status"]) for e in requests}
    for wanted in (("POST", "/api/v1/auth/sms", 202), ("POST", "/api/v1/auth/login", 200),
                   ("POST", "/api/v1/auth/login", 401), ("GET", "/api/v1/me", 200), ("GET", "/api/v1/me", 401),
                   ("POST", "/api/v1/auth/logout", 204), ("GET", "-", 404)):
        check(wanted in routes, "no request log line for %s %s %d" % wanted)


def test_log_request_id_matches_answer(ctx):
    # The log is the product's (kanjiad writes it): missing is a failure.
    check(os.path.exists(ctx.log_path), "no pool log at %s" % ctx.log_path)
    r = ctx.get("/api/v1/nope")
    rid = r.header("X-Request-Id")
    logs = [(ctx.log_path, '"rid":"%s"' % rid)]
    access = os.path.join(ctx.run_dir, "nginx-access.log")
    check(os.path.exists(access), "no nginx access log in KANJIA_RUN_DIR")
    logs.append((access, '"request_id":"%s"' % rid))
    for path, needle in logs:
        deadline = time.monotonic() + 3
        while True:
            with open(path, encoding="utf-8", errors="replace") as f:
                if needle in f.read():
                    break
            if time.monotonic() > deadline:
                raise AssertionError("X-Request-Id %s of an answer is not in %s" % (rid, os.path.basename(path)))
            time.sleep(0.05)


def test_nginx_access_log_has_no_secrets(ctx):
    access = os.path.join(ctx.run_dir, "nginx-access.log")
    check(os.path.exists(access), "no nginx access log in KANJIA_RUN_DIR (nginx/local.conf.in writes one)")
    ctx.get("/api/v1/nope?phone=13800138000&code=246813")
    time.sleep(1.5)  # nginx flushes its buffered access log every second
    entries = []
    with open(access, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            entry.pop("request_id", None)
            entries.append(entry)
    check(entries, "no JSON lines in the nginx access log")
    queries = [e.get("path", "") for e in entries if e.get("path", "").startswith("/api/") and "?" in e.get("path", "")]
    check(not queries, "%d /api/ paths with a query string in the access log" % len(queries))
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
    found = [s for s in secrets_in(ctx, text, text) if not (s.isdigit() and len(s) == 6)]
    check(not found, "%d phones/tokens of the suite are in the nginx access log" % len(found))


def scrubbed_log(ctx):
    """The log's text without the fields that are numbers or ids by
    construction (ts, pid, rid, us, status), so that digit runs left over
    come from messages."""
    out = []
    with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                out.append(line.rstrip("\n"))
                continue
            if isinstance(entry, dict):
                for key in ("ts", "pid", "rid", "us", "status"):
                    entry.pop(key, None)
            out.append(json.dumps(entry, ensure_ascii=False))
    return "\n".join(out)


def secrets_in(ctx, raw, scrubbed):
    """The suite's phones, codes, tokens and keys found in a log: digit
    secrets as whole digit runs of the scrubbed text, tokens by any of
    their three parts, anything else as a substring."""
    runs = set(re.findall(r"\d+", scrubbed))
    words = set(re.findall(r"[A-Za-z0-9_-]{16,}", raw))
    found = []
    for secret in ctx.secrets:
        if not secret:
            continue
        if secret.isdigit():
            if secret in runs:
                found.append(secret)
        elif secret.count(".") == 2:
            if any(part in words for part in secret.split(".") if len(part) >= 16) or secret in raw:
                found.append(secret)
        elif secret in raw:
            found.append(secret)
    return found


def test_log_has_no_phones_codes_or_tokens(ctx):
    # The log is the product's (kanjiad writes it): missing is a failure.
    check(os.path.exists(ctx.log_path), "no pool log at %s" % ctx.log_path)
    with open(ctx.log_path, encoding="utf-8", errors="replace") as f:
        raw = f.read()
    text = scrubbed_log(ctx)
    check(len(ctx.secrets) > 50, "the suite recorded only %d secrets: did the login tests run?" % len(ctx.secrets))
    codes = [s for s in ctx.secrets if re.fullmatch(r"\d{6}", s)]
    check(codes, "no SMS codes were recorded")
    found = secrets_in(ctx, raw, text)
    check(not found, "%d phones/codes/tokens of the suite are in the pool log, e.g. %s"
          % (len(found), [s[:4] + "..." for s in found[:5]]))
    # Any phone-looking number at all, and any JWT-looking string.
    phones = set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", text))
    jwts = set(re.findall(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}", raw))
    check(not phones, "phone numbers in the pool log: %d" % len(phones))
    check(not jwts, "tokens in the pool log: %d" % len(jwts))


def test_sigterm_drains_requests_in_flight_then_the_pool_restarts(ctx):
    # SIGTERM to the master: requests in flight finish with their answers,
    # every worker exits on its own (not killed: a killed worker's
    # LeakSanitizer report is lost), the master exits, within ./dev's
    # WAIT_POOL_STOP (15 s). The pool is then started again, as ./dev
    # does, for the browser tests after this suite. Last in this file.
    import subprocess
    own_stack(ctx)
    check(ctx.bin and ctx.conf_path, "KANJIA_BIN and KANJIA_CONF are needed to restart the pool")
    master = ctx.master_pid()
    workers = wait_workers(ctx, master, ctx.workers, 5)
    check(workers is not None, "worker count before")
    # Three requests kept busy on row locks held here, one per phone.
    phones = [ctx.new_phone() for _ in range(3)]
    for phone in phones:
        ctx.sql("INSERT INTO rate_counter (bucket, window_start, hits) VALUES (%s, 0, 1)" % ctx.q("sms:gap:" + phone))
    buckets = ", ".join(ctx.q("sms:gap:" + phone) for phone in phones)
    holder = subprocess.Popen(
        ["mariadb", "--socket=" + ctx.socket_path, "-u", "root", "kanjia", "-N", "-B", "--unbuffered", "-e",
         "BEGIN; SELECT hits FROM rate_counter WHERE bucket IN (%s) FOR UPDATE; SELECT 'held'; DO SLEEP(2); COMMIT;"
         % buckets], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    since = ctx.log_size()
    try:
        lines = [holder.stdout.readline().strip() for _ in range(4)]  # three rows, then "held"
        eq(lines, [b"1", b"1", b"1", b"held"], "the row locks are held")
        timer = threading.Timer(0.5, os.kill, (master, signal.SIGTERM))
        timer.start()
        started = time.monotonic()
        try:
            answers = ctx.concurrently([(lambda p=p: ctx.post("/api/v1/auth/sms", {"phone": p}, timeout=30))
                                        for p in phones], what="requests in flight during SIGTERM")
        finally:
            timer.join()
    finally:
        holder.wait(30)
    took = time.monotonic() - started
    eq([r.status for r in answers], [202] * 3, "the requests in flight were answered")
    # They waited on the row locks (2 s) past the SIGTERM (0.5 s): they were
    # in flight when it came, not done before.
    check(took > 1.0, "the requests took only %.2f s: they were not in flight at the SIGTERM" % took)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and os.path.exists("/proc/%d" % master):
        try:
            with open("/proc/%d/stat" % master) as f:
                if f.read().split(") ")[1].startswith("Z"):
                    break  # exited, not yet reaped by ./dev's shell
        except OSError:
            break
        time.sleep(0.05)
    gone = [pid for pid in workers | {master} if not os.path.exists("/proc/%d" % pid) or is_zombie(pid)]
    eq(sorted(gone), sorted(workers | {master}), "the master and its workers exited within 15 s of SIGTERM")
    with open(ctx.log_path, "rb") as f:
        f.seek(since)
        text = f.read().decode("utf-8", "replace")
    check("pool: stopping, letting requests in flight finish" in text, "no 'stopping' line after SIGTERM")
    check("pool: stopped" in text, "no 'pool: stopped' line: the master did not finish its drain")
    for bad in ("killed by signal", "still busy after", "exited with"):
        check(bad not in text, "a worker did not exit cleanly on SIGTERM: %r" % [
            line for line in text.splitlines() if bad in line][:3])
    restart_pool(ctx)
    session = ctx.login()
    ctx.expect(ctx.get(ME, token=session["token"]), 200, what="the restarted pool")


def is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1].startswith("Z")
    except OSError:
        return True


def restart_pool(ctx):
    """Starts the pool again the way ./dev does (its own session, output to
    kanjiad.log, pid in kanjiad.pid) and waits for its workers."""
    import subprocess
    sock = ctx.listen
    if os.path.exists(sock):
        os.unlink(sock)
    with open(ctx.log_path, "ab") as log:
        child = subprocess.Popen([ctx.bin, "-c", ctx.conf_path, "serve"], stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(ctx.run_dir, "kanjiad.pid"), "w") as f:
        f.write("%d\n" % child.pid)
    deadline = time.monotonic() + 20
    while not os.path.exists(sock):
        check(child.poll() is None, "the restarted pool exited with %r" % child.returncode)
        check(time.monotonic() < deadline, "the restarted pool made no socket within 20 s")
        time.sleep(0.1)
    check(wait_workers(ctx, child.pid, ctx.workers, 10) is not None, "the restarted pool's workers")
