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

import errno
import json
import os
import random
import resource
import select
import socket
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


def burst(host, port, clients):
    """Opens every connection at once and serves them all from one epoll
    loop (a lean loop: asyncio's per-event cost would be the client's own
    queue, timed as if it were the server's). Returns (results, seconds,
    unfinished count)."""
    poller = select.epoll()
    conns = {}
    started = time.monotonic()
    for index in range(clients):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        err = sock.connect_ex((host, port))
        outcome = {"index": index, "status": None, "error": None, "began": time.monotonic(), "connected": None,
                   "data": b"", "request": request_bytes(host, port, index)}
        if err not in (0, errno.EINPROGRESS):
            outcome["error"] = "connect: %s" % os.strerror(err)
            outcome["ended"] = time.monotonic()
            sock.close()
            conns[-index - 1] = (None, outcome)
            continue
        conns[sock.fileno()] = (sock, outcome)
        poller.register(sock.fileno(), select.EPOLLOUT)
    open_count = sum(1 for sock, _ in conns.values() if sock is not None)
    deadline = started + BURST_DEADLINE_S
    while open_count > 0 and time.monotonic() < deadline:
        for fd, events in poller.poll(0.1):
            sock, outcome = conns[fd]
            now = time.monotonic()
            if outcome["connected"] is None:
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    outcome["error"] = "connect: %s" % os.strerror(err)
                else:
                    # The answer's time runs from here: the connection is up
                    # (the kernel completed it; nginx may not have accepted it).
                    outcome["connected"] = now
                    try:
                        sock.send(outcome["request"])  # small: fits the socket buffer
                        poller.modify(fd, select.EPOLLIN)
                        continue
                    except OSError as error:
                        outcome["error"] = "send: %s" % error
            else:
                try:
                    chunk = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError as error:
                    chunk = None
                    outcome["error"] = "recv: %s" % error
                if chunk:
                    outcome["data"] += chunk
                    continue
            # EOF (Connection: close ends every answer) or an error
            outcome["ended"] = now
            poller.unregister(fd)
            sock.close()
            open_count -= 1
    results, unfinished = [], 0
    for sock, outcome in conns.values():
        if "ended" not in outcome:
            unfinished += 1
            outcome["error"] = "no answer within the burst's %.0f s" % BURST_DEADLINE_S
            outcome["ended"] = time.monotonic()
            if sock is not None:
                sock.close()
        if outcome["error"] is None:
            parsed = parse_answer(outcome["data"])
            if parsed is None:
                outcome["error"] = "closed without an answer (%d bytes)" % len(outcome["data"])
            else:
                outcome["status"], outcome["headers"], outcome["body"] = parsed
        outcome["seconds"] = outcome["ended"] - (outcome["connected"] or outcome["began"])
        outcome["since_burst_s"] = outcome["ended"] - started
        results.append(outcome)
    poller.close()
    return results, time.monotonic() - started, unfinished


def recovery(host, port):
    out = []
    for i in range(RECOVERY_REQUESTS):
        began = time.monotonic()
        with socket.create_connection((host, port), timeout=REQUEST_TIMEOUT_S) as sock:
            sock.sendall(request_bytes(host, port, i * 4))
            raw = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                raw += chunk
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

    results, took, unfinished = burst(host, port, clients)
    after = recovery(host, port)

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
    unanswered = [r for r in results if r["status"] is None]
    slow = [r for r in results if r["status"] is not None and r["seconds"] > ANSWER_WITHIN_S]
    unexpected = [r for r in results if r["status"] not in (None, 200, 401, 503)]
    shed = [r for r in results if r["status"] == 503]
    bad_shed = [r for r in shed if "retry-after" not in r["headers"] or not is_json_envelope(r["body"])]
    seconds = sorted(r["seconds"] for r in results if r["status"] is not None)
    p50 = seconds[len(seconds) // 2] if seconds else 0
    worst = seconds[-1] if seconds else 0

    print("burst: %d clients (%d unfinished) in %.2f s; answers %s; answer time (connected to answered) p50 %.3f s, "
          "slowest %.3f s; last answer %.3f s after the burst began"
          % (clients, unfinished, took, json.dumps(statuses, sort_keys=True, default=str), p50, worst,
             max((r["since_burst_s"] for r in results), default=0)), flush=True)
    errors = {}
    for r in unanswered:
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
