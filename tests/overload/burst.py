#!/usr/bin/python3
"""burst.py: the overload stage of ./dev test (issue 12, "shed load with an
answer").

Opens CLIENTS connections to nginx at once (loopback only), each sending one
API request (reads of the campaign list, and order attempts with a malformed
token, so every request crosses nginx and the pool), and checks:

  - every request gets an HTTP answer (no reset, no close without a status),
    within ANSWER_WITHIN_S of its connect;
  - every answer is a 200, the 401 of the bad token, or a 503 with
    Retry-After and the JSON error envelope (load shed with an answer);
  - the burst was past capacity (some 503s), and the service recovers at
    once: the requests right after it are all 200s.

Bounded: each request has a hard timeout and the whole burst a deadline,
so the stage always ends by itself. Standard library only.

    KANJIA_BASE_URL=http://127.0.0.1:18080 /usr/bin/python3 tests/overload/burst.py [clients]

Prints "ok ..."/"FAIL ..." lines, the figures, then "N passed, N failed".
"""

import asyncio
import json
import os
import random
import resource
import sys
import time
import urllib.parse

CLIENTS = 2000
ANSWER_WITHIN_S = 1.0
REQUEST_TIMEOUT_S = 5.0
BURST_DEADLINE_S = 30.0
RECOVERY_REQUESTS = 20
RECOVERY_WITHIN_S = 0.5


def parse_answer(raw):
    """(status, headers dict lower-cased, body bytes) of a raw HTTP/1.1
    answer, or None when it holds no status line."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2) if lines and lines[0] else []
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return int(parts[1]), headers, body


def request_bytes(host, port, index):
    # A client address of its own per request (nginx trusts X-Forwarded-For
    # from loopback), as 2,000 different clients would have.
    ip = "10.%d.%d.%d" % (random.randrange(256), random.randrange(256), random.randrange(1, 255))
    if index % 4 == 3:
        body = b'{"lines":[{"item_id":1,"qty":1}]}'
        return (b"POST /api/v1/orders HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                b"X-Forwarded-For: %s\r\nAuthorization: Bearer not.a.token\r\n"
                b"Idempotency-Key: burst-%d\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (host.encode(), port, ip.encode(), index, len(body), body))
    return (b"GET /api/v1/campaigns HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
            b"X-Forwarded-For: %s\r\n\r\n" % (host.encode(), port, ip.encode()))


async def one(host, port, index, start_gate, results):
    await start_gate.wait()
    began = time.monotonic()
    outcome = {"index": index, "status": None, "error": None}
    writer = None
    connected = None
    try:
        async def exchange():
            nonlocal writer, connected
            reader, writer = await asyncio.open_connection(host, port)
            # The answer's time runs from here: the connection is up (the
            # kernel completed it; nginx may not have accepted it yet). The
            # time before is this one-threaded client getting to it.
            connected = time.monotonic()
            writer.write(request_bytes(host, port, index))
            await writer.drain()
            return await reader.read()  # Connection: close: until EOF
        raw = await asyncio.wait_for(exchange(), REQUEST_TIMEOUT_S)
        parsed = parse_answer(raw)
        if parsed is None:
            outcome["error"] = "closed without an answer (%d bytes)" % len(raw)
        else:
            outcome["status"], outcome["headers"], outcome["body"] = parsed
    except asyncio.TimeoutError:
        outcome["error"] = "no answer within %.0f s" % REQUEST_TIMEOUT_S
    except OSError as error:
        outcome["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        if writer is not None:
            writer.close()
    ended = time.monotonic()
    outcome["seconds"] = ended - (connected if connected is not None else began)
    outcome["since_burst_s"] = ended - began
    results.append(outcome)


async def burst(host, port, clients):
    results = []
    gate = asyncio.Event()
    tasks = [asyncio.ensure_future(one(host, port, i, gate, results)) for i in range(clients)]
    await asyncio.sleep(0.05)  # every task waits at the gate
    started = time.monotonic()
    gate.set()
    done, pending = await asyncio.wait(tasks, timeout=BURST_DEADLINE_S)
    for task in pending:
        task.cancel()
    return results, time.monotonic() - started, len(pending)


async def recovery(host, port):
    out = []
    for i in range(RECOVERY_REQUESTS):
        began = time.monotonic()
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_TIMEOUT_S)
        writer.write(request_bytes(host, port, i * 4))
        raw = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT_S)
        writer.close()
        parsed = parse_answer(raw)
        out.append((parsed[0] if parsed else None, time.monotonic() - began))
    return out


def is_json_envelope(body):
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError:
        return False
    error = document.get("error") if isinstance(document, dict) else None
    return isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(error.get("message"), str)


def main(argv):
    base = os.environ.get("KANJIA_BASE_URL", "http://127.0.0.1:18080")
    url = urllib.parse.urlsplit(base)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        print("FAIL burst: KANJIA_BASE_URL must be a loopback address")
        print("0 passed, 1 failed")
        return 1
    host, port = url.hostname, url.port or 80
    clients = int(argv[1]) if len(argv) > 1 else CLIENTS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, clients + 256)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    results, took, unfinished = asyncio.run(burst(host, port, clients))
    after = asyncio.run(recovery(host, port))

    passed = failed = 0

    def verdict(name, ok, detail):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok overload.%s: %s" % (name, detail), flush=True)
        else:
            failed += 1
            print("FAIL overload.%s: %s" % (name, detail), flush=True)

    statuses = {}
    for r in results:
        key = r["status"] if r["status"] is not None else "none"
        statuses[key] = statuses.get(key, 0) + 1
    unanswered = [r for r in results if r["status"] is None] + [None] * unfinished
    slow = [r for r in results if r["status"] is not None and r["seconds"] > ANSWER_WITHIN_S]
    unexpected = [r for r in results if r["status"] not in (None, 200, 401, 503)]
    shed = [r for r in results if r["status"] == 503]
    bad_shed = [r for r in shed if "retry-after" not in r["headers"] or not is_json_envelope(r["body"])]
    seconds = sorted(r["seconds"] for r in results if r["status"] is not None)
    p50 = seconds[len(seconds) // 2] if seconds else 0
    worst = seconds[-1] if seconds else 0

    print("burst: %d clients in %.2f s; answers %s; answer time (connected to answered) p50 %.3f s, "
          "slowest %.3f s; last answer %.3f s after the burst began"
          % (clients, took, json.dumps(statuses, sort_keys=True, default=str), p50, worst,
             max((r["since_burst_s"] for r in results), default=0)), flush=True)
    errors = {}
    for r in unanswered:
        if r is not None:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    verdict("every_request_answered", not unanswered,
            "%d of %d without an HTTP answer %s" % (len(unanswered), clients, json.dumps(errors)[:300]))
    verdict("answered_within_a_second", not slow,
            "%d answers slower than %.1f s (slowest %.3f s)" % (len(slow), ANSWER_WITHIN_S, worst))
    verdict("only_expected_statuses", not unexpected,
            "%d answers other than 200/401/503: %s" % (len(unexpected), sorted({r["status"] for r in unexpected})))
    verdict("past_capacity_and_shed", len(shed) > 0,
            "%d of %d shed with 503" % (len(shed), clients))
    verdict("shed_answers_are_proper", not bad_shed,
            "%d of %d 503s without Retry-After or the JSON envelope" % (len(bad_shed), len(shed)))
    recovered = all(status == 200 and s <= RECOVERY_WITHIN_S for status, s in after)
    verdict("recovers_at_once", recovered,
            "%d requests right after the burst: %s" % (len(after), [(st, round(s, 3)) for st, s in after][:RECOVERY_REQUESTS]))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
