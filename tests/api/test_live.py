"""Live updates over HTTP (API.md, "Live updates"): the owner's stream and
the share stream, served by nginx's nchan and authorised once by the pool.

Each change that commits (a help, a self-cut, a success, an order, an
expiry) must reach every open stream within a second of the answer that
caused it; a stranger is refused the owner's stream; a reconnect with
Last-Event-ID gets the current state; a change nobody watches is not
published, and the stream opened after it gets it at once; and a publish
that fails (here: the publisher's socket moved away for a moment) never
fails the help."""

import json
import os
import re
import socket
import time

from kanjia import check, eq, Skip
from test_bargain import make_item, shopper, start, help_
import test_orders

DELIVERY_S = 1.0  # API.md: an event within a second of the change
OWNER_CUTS = 20  # the newest cuts in an owner's event (fcgi/live/live.c)


class Stream:
    """One EventSource-style connection, read by hand: the status and
    headers, then events as {"event", "id", "data"} (comments and pings
    skipped)."""

    def __init__(self, ctx, path, token=None, headers=None, ip=None, timeout=5):
        self.sock = socket.create_connection((ctx.host, ctx.port), timeout=timeout)
        all_headers = {"Host": "%s:%d" % (ctx.host, ctx.port), "Accept": "text/event-stream",
                       "Cache-Control": "no-cache", "X-Forwarded-For": ip or ctx.new_ip()}
        if token:
            all_headers["Authorization"] = "Bearer " + token
        all_headers.update(headers or {})
        head = "GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in all_headers.items()) + "\r\n"
        self.sock.sendall(head.encode("utf-8"))
        self.buffer = b""
        raw = self._read_until(b"\r\n\r\n", time.monotonic() + timeout)
        check(raw is not None, "GET %s: no answer head" % path)
        lines = raw.decode("iso-8859-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                self.headers.setdefault(name.strip().lower(), []).append(value.strip())
        self.body = b""
        if self.status != 200:
            length = int(self.header("content-length") or 0)
            deadline = time.monotonic() + timeout
            while len(self.buffer) < length and time.monotonic() < deadline:
                if not self._fill(deadline):
                    break
            self.body = self.buffer[:length]
            self.close()

    def header(self, name):
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            return False
        self.buffer += data
        return True

    def _read_until(self, marker, deadline):
        while marker not in self.buffer:
            if not self._fill(deadline):
                return None
        index = self.buffer.index(marker) + len(marker)
        found, self.buffer = self.buffer[:index], self.buffer[index:]
        return found

    def next_event(self, timeout=DELIVERY_S):
        """The next event, or None when none came within timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            block = self._read_until(b"\n\n", deadline)
            if block is None:
                return None
            event = {"event": "message", "id": None, "data": []}
            for line in block.decode("utf-8").split("\n"):
                if not line or line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    event["data"].append(value)
                elif field in ("event", "id"):
                    event[field] = value
            if not event["data"] or event["event"] == "ping":
                continue
            event["data"] = json.loads("\n".join(event["data"]))
            return event

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def owner_stream(ctx, who, bargain_id, **kw):
    """The owner's stream the way the page opens it: the token in ?token=."""
    return Stream(ctx, "/api/v1/bargains/%d/events?token=%s" % (bargain_id, who["token"]), ip=who["ip"], **kw)


def share_stream(ctx, code, **kw):
    return Stream(ctx, "/api/v1/s/%s/events" % code, **kw)


def opened(stream, what):
    check(stream.status == 200, "%s: answer %d %r" % (what, stream.status, stream.body[:200]))
    check((stream.header("content-type") or "").startswith("text/event-stream"),
          "%s: Content-Type %r" % (what, stream.header("content-type")))
    check(stream.header("x-request-id"), "%s: no X-Request-Id" % what)
    return stream


def expect_event(stream, what, since=None, timeout=DELIVERY_S):
    """The next event, within timeout of since (default: now)."""
    since = time.monotonic() if since is None else since
    event = stream.next_event(max(0.0, since + timeout - time.monotonic()))
    check(event is not None, "%s: no event within %.1f s" % (what, timeout))
    eq(event["event"], "bargain", "%s: event type" % what)
    check(event["id"], "%s: an event id (for Last-Event-ID)" % what)
    return event


def quiet(stream, what, seconds=0.5):
    event = stream.next_event(seconds)
    check(event is None, "%s: unexpected event %r" % (what, event and event["data"]))


def same_as_get(event, got, what):
    """An owner's event is GET /bargains/{id}'s answer with the newest cuts
    only, and cuts_count."""
    rest = dict(event)
    eq(rest.pop("cuts_count", None), len(got["cuts"]), "%s: cuts_count" % what)
    eq(rest.pop("cuts"), got["cuts"][:OWNER_CUTS], "%s: the newest cuts" % what)
    eq(rest, {k: v for k, v in got.items() if k != "cuts"}, "%s: the bargain as GET shows it" % what)


def live_socket(ctx):
    path = ctx.conf.get("live_socket", "")
    if not path or not os.path.exists(path):
        raise Skip("no live publisher socket in this stack's config")
    return path


def channel_kept(path, channel):
    """Whether nchan keeps a channel (one was published to it), asked on
    the publisher's socket: 404 when nothing was ever published there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect(path)
        sock.sendall(("GET /pub/%s HTTP/1.0\r\nHost: kanjia-live\r\nAccept: text/json\r\n\r\n" % channel).encode())
        answer = b""
        while True:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    status = int(answer.split(b" ", 2)[1])
    check(status in (200, 404), "publisher GET /pub/%s: %d" % (channel, status))
    return status == 200


# --------------------------------------------------------------------------


def test_a_help_reaches_the_share_stream_and_the_owners_stream(ctx):
    live_socket(ctx)
    _, item = make_item(ctx)
    owner, friend = shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    code = bargain["share_code"]
    by_query = opened(owner_stream(ctx, owner, bargain["id"]), "owner stream (?token=)")
    by_header = opened(Stream(ctx, "/api/v1/bargains/%d/events" % bargain["id"], token=owner["token"]),
                       "owner stream (Authorization)")
    share = opened(share_stream(ctx, code), "share stream")
    try:
        quiet(share, "share stream before any change", 0.3)
        answer = help_(ctx, friend, code)
        helped_at = time.monotonic()
        price = answer["bargain"]["current_price_fen"]
        owner_events = []
        for stream, what in ((by_query, "owner stream (?token=)"), (by_header, "owner stream (Authorization)")):
            e = expect_event(stream, what, helped_at)
            owner_events.append(e["data"])
            eq(e["data"]["current_price_fen"], price, "%s: the new price" % what)
            eq((e["data"]["id"], e["data"]["helpers"], e["data"]["status"]), (bargain["id"], 1, "active"),
               "%s: the bargain object" % what)
            eq([c["cut_fen"] for c in e["data"]["cuts"]], [answer["cut_fen"]], "%s: its cuts, as GET shows" % what)
        e = expect_event(share, "share stream", helped_at)
        eq(e["data"]["current_price_fen"], price, "share stream: the new price")
        eq(e["data"]["item"]["id"], item, "share stream: the landing's item")
        check(re.fullmatch(r"\d{3}\*\*\*\*\d{4}", e["data"]["initiator"] or ""), "share stream: initiator masked")
        eq([h["cut_fen"] for h in e["data"]["recent_helps"]], [answer["cut_fen"]], "share stream: recent helps")
        check("cuts" not in e["data"], "share stream: not the owner's cut list")
        landing = ctx.expect(ctx.get("/api/v1/s/%s" % code), 200)
        eq(sorted(e["data"]), sorted(landing), "share stream: the landing's shape")
        got = ctx.expect(ctx.get("/api/v1/bargains/%d" % bargain["id"], token=owner["token"], ip=owner["ip"]), 200)
        same_as_get(owner_events[0], got, "owner stream")
        same_as_get(owner_events[1], got, "owner stream by header")
    finally:
        for s in (by_query, by_header, share):
            s.close()


def test_owner_stream_matches_get_and_carries_each_cut(ctx):
    live_socket(ctx)
    _, item = make_item(ctx, price=1000, floor=700, cut_min=100, cut_max=100)
    owner, first, second = shopper(ctx), shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    stream = opened(owner_stream(ctx, owner, bargain["id"]), "owner stream")
    try:
        ctx.expect(ctx.post("/api/v1/bargains/%d/cut" % bargain["id"], token=owner["token"], ip=owner["ip"]), 200)
        e = expect_event(stream, "after a self-cut")
        eq((e["data"]["current_price_fen"], [c["by"] for c in e["data"]["cuts"]]), (900, ["self"]),
           "a self-cut is published")
        help_(ctx, first, bargain["share_code"])
        e = expect_event(stream, "after the first help")
        eq((e["data"]["current_price_fen"], e["data"]["status"], len(e["data"]["cuts"])), (800, "active", 2),
           "the first help")
        help_(ctx, second, bargain["share_code"])
        e = expect_event(stream, "after the help that reached the floor")
        eq((e["data"]["current_price_fen"], e["data"]["status"]), (700, "succeeded"), "the success is published")
        check(e["data"]["succeeded_at"], "succeeded_at in the event")
        got = ctx.expect(ctx.get("/api/v1/bargains/%d" % bargain["id"], token=owner["token"], ip=owner["ip"]), 200)
        same_as_get(e["data"], got, "after the success")
    finally:
        stream.close()


def test_owner_event_carries_the_newest_cuts_and_their_count(ctx):
    live_socket(ctx)
    _, item = make_item(ctx, price=100000, floor=1000, cut_min=100, cut_max=100, helps_per_day=100)
    owner = shopper(ctx)
    bargain = start(ctx, owner, item)
    # 25 cuts straight in the database (helps through HTTP would take long),
    # then one real help: its event carries the newest 20 and the count 26.
    ctx.sql("INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, "
            "price_after_fen, helpers_after, created_at) SELECT b.id, b.campaign_id, s.seq, 'help', s2.id, s2.id, "
            "100, b.current_price_fen - 100 * s.seq, s.seq, UTC_TIMESTAMP() FROM bargain b "
            "JOIN seq_1_to_25 s JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM shopper) s2 "
            "ON s2.n = s.seq WHERE b.id = %d" % bargain["id"])
    ctx.sql("UPDATE bargain SET cuts = 25, helpers = 25, current_price_fen = current_price_fen - 2500, "
            "cut_total_fen = cut_total_fen + 2500 WHERE id = %d" % bargain["id"])
    stream = opened(owner_stream(ctx, owner, bargain["id"]), "owner stream")
    try:
        help_(ctx, shopper(ctx), bargain["share_code"])
        e = expect_event(stream, "after the 26th cut")
        eq((len(e["data"]["cuts"]), e["data"]["cuts_count"]), (OWNER_CUTS, 26), "the newest 20 cuts of 26")
        got = ctx.expect(ctx.get("/api/v1/bargains/%d" % bargain["id"], token=owner["token"], ip=owner["ip"]), 200)
        same_as_get(e["data"], got, "a bargain of 26 cuts")
    finally:
        stream.close()


def test_an_order_closes_the_bargain_on_its_streams(ctx):
    live_socket(ctx)
    _, item = test_orders.make_item(ctx)
    owner = shopper(ctx)
    bargain_id = test_orders.make_succeeded_bargain(ctx, owner["id"], item)
    code = ctx.sql_value("SELECT share_code FROM bargain WHERE id = %d" % bargain_id)
    own = opened(owner_stream(ctx, owner, bargain_id), "owner stream")
    share = opened(share_stream(ctx, code), "share stream")
    try:
        test_orders.place(ctx, owner, test_orders.body(item, bargain_id=bargain_id), expect=201)
        ordered_at = time.monotonic()
        eq(expect_event(own, "owner stream after the order", ordered_at)["data"]["status"], "ordered",
           "owner stream: ordered")
        eq(expect_event(share, "share stream after the order", ordered_at)["data"]["status"], "ordered",
           "share stream: ordered")
    finally:
        own.close()
        share.close()


def test_the_sweeper_publishes_an_expiry(ctx):
    live_socket(ctx)
    interval = int(ctx.conf.get("sweep_interval_s", "30"))
    if interval > 5:
        raise Skip("sweep_interval_s is %d here; the test stack sweeps every 2 s" % interval)
    _, item = make_item(ctx, ttl=2)
    owner = shopper(ctx)
    bargain = start(ctx, owner, item)
    stream = opened(owner_stream(ctx, owner, bargain["id"]), "owner stream")
    try:
        e = expect_event(stream, "after the bargain's window", timeout=2 + 2 * interval + 3)
        eq(e["data"]["status"], "expired", "the expiry is published")
        eq(ctx.sql_value("SELECT status FROM bargain WHERE id = %d" % bargain["id"]), "expired",
           "the sweeper closed it")
    finally:
        stream.close()


def test_a_change_nobody_watches_is_published_when_a_stream_opens(ctx):
    path = live_socket(ctx)
    _, item = make_item(ctx)
    owner, first, second = shopper(ctx), shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    code = bargain["share_code"]
    answer = help_(ctx, first, code)  # no stream is open on it
    current = answer["bargain"]["current_price_fen"]
    for channel in ("b%d" % bargain["id"], "s" + code):
        check(not channel_kept(path, channel), "a help nobody watches is not published (%s)" % channel)
    # The first stream to open gets the state as it is now, at once, on
    # both channels; nothing older.
    share = opened(share_stream(ctx, code), "share stream after an unwatched help")
    own = opened(owner_stream(ctx, owner, bargain["id"]), "owner stream after an unwatched help")
    try:
        for stream, what in ((share, "share stream"), (own, "owner stream")):
            e = expect_event(stream, "%s: the current state at once" % what)
            eq((e["data"]["current_price_fen"], e["data"]["helpers"]), (current, 1), "%s: the current state" % what)
            quiet(stream, "%s: nothing after it" % what, 0.3)
        # Watched now: the next help reaches both at once.
        answer = help_(ctx, second, code)
        helped_at = time.monotonic()
        for stream, what in ((share, "share stream"), (own, "owner stream")):
            e = expect_event(stream, "%s: the next help" % what, helped_at)
            eq((e["data"]["current_price_fen"], e["data"]["helpers"]), (answer["bargain"]["current_price_fen"], 2),
               "%s: the next help" % what)
    finally:
        share.close()
        own.close()


def test_another_shopper_is_refused_the_owners_stream(ctx):
    _, item = make_item(ctx)
    owner, stranger = shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    path = "/api/v1/bargains/%d/events" % bargain["id"]
    for stream, status, code, what in (
            (owner_stream(ctx, stranger, bargain["id"]), 404, "not_found", "a stranger's ?token="),
            (Stream(ctx, path, token=stranger["token"]), 404, "not_found", "a stranger's bearer token"),
            (Stream(ctx, path), 401, "unauthorized", "no token"),
            (Stream(ctx, path + "?token=not.a.token"), 401, "unauthorized", "a forged token"),
            (Stream(ctx, "/api/v1/bargains/999999999/events", token=owner["token"]), 404, "not_found",
             "an unknown bargain"),
            (share_stream(ctx, "A" * 16), 404, "not_found", "an unknown share code"),
            (share_stream(ctx, "short"), 404, "not_found", "a malformed share code")):
        eq(stream.status, status, what)
        check(stream.header("x-request-id"), "%s: X-Request-Id" % what)
        eq(len(stream.headers.get("x-request-id", [])), 1, "%s: one X-Request-Id" % what)
        check((stream.header("content-type") or "").startswith("application/json"), "%s: a JSON answer" % what)
        eq(stream.json["error"]["code"], code, what)
    # Tokens in ?token= must reach no log (the suite's last tests look).
    ctx.secrets.add(owner["token"])
    ctx.secrets.add(stranger["token"])


def test_a_reconnect_with_last_event_id_gets_the_current_state(ctx):
    live_socket(ctx)
    _, item = make_item(ctx)
    owner, first, second = shopper(ctx), shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    code = bargain["share_code"]
    stream = opened(share_stream(ctx, code), "share stream")
    help_(ctx, first, code)
    seen = expect_event(stream, "the first help")
    stream.close()  # the watcher drops off; a help happens meanwhile
    answer = help_(ctx, second, code)
    current = answer["bargain"]["current_price_fen"]

    for headers, what in (({"Last-Event-ID": seen["id"]}, "Last-Event-ID of the event before"),
                          ({"Last-Event-ID": "1:0"}, "a Last-Event-ID older than anything kept"),
                          ({}, "a new watcher")):
        again = opened(share_stream(ctx, code, headers=headers), what)
        try:
            e = expect_event(again, what)
            eq((e["data"]["current_price_fen"], e["data"]["helpers"]), (current, 2), "%s: the current state" % what)
            check(e["id"] != seen["id"], "%s: a newer event id" % what)
            latest = e["id"]
        finally:
            again.close()
    up_to_date = opened(share_stream(ctx, code, headers={"Last-Event-ID": latest}), "an up-to-date reconnect")
    try:
        quiet(up_to_date, "a reconnect that missed nothing")
    finally:
        up_to_date.close()
    # The owner's stream keeps its last state the same way.
    own = opened(owner_stream(ctx, owner, bargain["id"], headers={"Last-Event-ID": seen["id"]}), "owner reconnect")
    try:
        eq(expect_event(own, "owner reconnect")["data"]["current_price_fen"], current, "owner reconnect: current")
    finally:
        own.close()


def test_a_failed_publish_does_not_fail_the_help(ctx):
    path = live_socket(ctx)
    _, item = make_item(ctx)
    owner, first, second = shopper(ctx), shopper(ctx), shopper(ctx)
    bargain = start(ctx, owner, item)
    code = bargain["share_code"]
    with open(ctx.log_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        log_from = f.tell()
    stream = opened(share_stream(ctx, code), "share stream")
    aside = path + ".aside"
    # The publisher's socket goes away (nginx keeps listening on it; the
    # pool can no longer reach it), exactly as when nginx is down.
    os.rename(path, aside)
    try:
        started = time.monotonic()
        answer = help_(ctx, first, code)
        took = time.monotonic() - started
    finally:
        os.rename(aside, path)
    eq(int(ctx.sql_value("SELECT helpers FROM bargain WHERE id = %d" % bargain["id"])), 1, "the help was recorded")
    eq(int(ctx.sql_value("SELECT current_price_fen FROM bargain WHERE id = %d" % bargain["id"])),
       answer["bargain"]["current_price_fen"], "the help's answer is the truth")
    check(took < 5, "the help did not wait on the publisher (%.2f s)" % took)
    quiet(stream, "nothing published while the publisher was away")
    with open(ctx.log_path, "rb") as f:
        f.seek(log_from)
        log = f.read().decode("utf-8", "replace")
    check(re.search(r"live: bargain %d not published: .*unreachable" % bargain["id"], log),
          "the failed publish is logged")
    # The next change repairs what the watchers missed.
    answer = help_(ctx, second, code)
    e = expect_event(stream, "after the publisher came back")
    eq((e["data"]["current_price_fen"], e["data"]["helpers"]), (answer["bargain"]["current_price_fen"], 2),
       "the next change brings the watcher up to date")
    stream.close()
