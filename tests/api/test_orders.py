"""Orders over HTTP: stock that never oversells, Idempotency-Key, bargain
orders, cancel, sandbox payment and its notify, the sweeper of unpaid
orders (also racing notifies), and the points ledger.

Campaigns, bargains and coupons are made straight in the database, so these
tests depend on the order routes alone. After every run that moves stock,
check_stock() checks the invariant and that the stock columns agree with the
orders exactly."""

import calendar
import hashlib
import hmac
import itertools
import json
import subprocess
import time

from kanjia import check, eq

ORDER = 70

ADDRESS = {"name": "张三", "phone": "13800138000", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "科技园科苑路 1 号 2 栋 301"}

_keys = itertools.count(1)


def new_key():
    return "test-%d-%d" % (int(time.time() * 1000), next(_keys))


def make_item(ctx, price=50000, floor=None, stock=100, starts_in=-3600, ends_in=86400, checkout_floor=0,
              pay_within_s=1800, campaign_id=None):
    """A campaign (or campaign_id's) with one item, in the database; returns (campaign id, item id)."""
    floor = price * 6 // 10 if floor is None else floor
    if campaign_id is None:
        ctx.sql("INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES "
                "('下单测试活动', UTC_TIMESTAMP() + INTERVAL %d SECOND, UTC_TIMESTAMP() + INTERVAL %d SECOND, "
                "UTC_TIMESTAMP(), UTC_TIMESTAMP())" % (starts_in, ends_in))
        campaign_id = int(ctx.sql_value("SELECT MAX(id) FROM campaign"))
    ctx.sql("INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
            "stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, "
            "bargains_per_user, bargain_ttl_s, pay_within_s, rewards_json, checkout_floor_fen, created_at, "
            "updated_at) VALUES (%d, '蓝牙耳机', '[]', %d, %d, %d, %d, 100, 5000, 3, 3, 1, 86400, %d, '{}', %d, "
            "UTC_TIMESTAMP(), UTC_TIMESTAMP())"
            % (campaign_id, price, floor, stock, stock, pay_within_s, checkout_floor))
    item_id = int(ctx.sql_value("SELECT MAX(id) FROM campaign_item WHERE campaign_id = %d" % campaign_id))
    return campaign_id, item_id


def make_succeeded_bargain(ctx, user_id, item_id, price=50000, floor=30000, pay_within_s=1800, status="succeeded"):
    """A bargain of user on item that reached the floor (or has status), in the database; returns its id."""
    campaign_id = int(ctx.sql_value("SELECT campaign_id FROM campaign_item WHERE id = %d" % item_id))
    current = floor if status == "succeeded" else price
    code = ("B%015d" % (int(time.time() * 1000000) % 10 ** 15))[:16]
    ctx.sql("INSERT INTO bargain (campaign_id, item_id, user_id, status, open_slot, share_code, original_price_fen, "
            "floor_price_fen, current_price_fen, cut_total_fen, cut_min_fen, cut_max_fen, self_cuts_per_day, "
            "helps_per_user_per_day, pay_within_s, rewards_json, started_at, expires_at, succeeded_at) VALUES "
            "(%d, %d, %d, %s, 1, %s, %d, %d, %d, %d, 100, 5000, 3, 3, %d, '{}', UTC_TIMESTAMP() - INTERVAL 1 HOUR, "
            "UTC_TIMESTAMP() + INTERVAL 1 DAY, %s)"
            % (campaign_id, item_id, user_id, ctx.q(status), ctx.q(code), price, floor, current, price - current,
               pay_within_s, "UTC_TIMESTAMP()" if status == "succeeded" else "NULL"))
    return int(ctx.sql_value("SELECT id FROM bargain WHERE share_code = %s" % ctx.q(code)))


def make_coupon(ctx, user_id, amount=1000, min_spend=0, item_id=None, starts_in=-3600, expires_in=86400,
                campaign_id=None):
    ctx.sql("INSERT INTO coupon (user_id, campaign_id, source, title, amount_fen, min_spend_fen, starts_at, expires_at, "
            "status, created_at, item_id) VALUES (%d, %s, 'test', '测试券', %d, %d, UTC_TIMESTAMP() + INTERVAL %d SECOND, "
            "UTC_TIMESTAMP() + INTERVAL %d SECOND, 'available', UTC_TIMESTAMP(), %s)"
            % (user_id, "NULL" if campaign_id is None else campaign_id, amount, min_spend, starts_in, expires_in,
               "NULL" if item_id is None else item_id))
    return int(ctx.sql_value("SELECT MAX(id) FROM coupon WHERE user_id = %d" % user_id))


def shopper(ctx):
    j = ctx.login()
    return {"token": j["token"], "id": j["user"]["id"], "ip": ctx.new_ip()}


def shoppers(ctx, n):
    found = ctx.concurrently([lambda: shopper(ctx)] * n, what="%d shoppers logging in" % n, batch=25)
    check(all(found), "%d shoppers logged in" % n)
    return found


def body(item_id, qty=1, **extra):
    b = {"lines": [{"item_id": item_id, "qty": qty}], "address": dict(ADDRESS)}
    b.update(extra)
    return b


def place(ctx, who, order_body, key=None, expect=None, code=None, timeout=30):
    r = ctx.post("/api/v1/orders", order_body, token=who["token"], ip=who["ip"],
                 headers={"Idempotency-Key": key or new_key()}, timeout=timeout)
    if expect is not None:
        ctx.expect(r, expect, code, what="order")
    return r


def stock(ctx, item_id):
    return [int(x) for x in ctx.sql("SELECT stock_total, stock_left, stock_reserved, stock_sold FROM campaign_item "
                                    "WHERE id = %d" % item_id)[0]]


def check_stock(ctx, item_id, initial):
    """initial + adjustments = left + reserved + sold, and the columns agree with the orders exactly."""
    total, left, reserved, sold = stock(ctx, item_id)
    eq(total, initial, "stock_total (no adjustments made)")
    eq(left + reserved + sold, total, "left + reserved + sold")
    check(left >= 0 and reserved >= 0 and sold >= 0, "no negative stock column")
    pending = int(ctx.sql_value("SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
                                "WHERE l.item_id = %d AND o.status = 'pending_payment'" % item_id))
    paid = int(ctx.sql_value("SELECT COALESCE(SUM(l.qty), 0) FROM order_line l JOIN orders o ON o.id = l.order_id "
                             "WHERE l.item_id = %d AND o.status IN ('paid', 'shipped', 'completed')" % item_id))
    eq(reserved, pending, "stock_reserved vs pending orders")
    eq(sold, paid, "stock_sold vs paid orders")
    return total, left, reserved, sold


def sign(ctx, raw):
    secret = ctx.conf.get("sandbox_secret", "")
    check(len(secret) >= 32, "the test config has a sandbox_secret")
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def notify(ctx, payload, signature=None, raw=None):
    raw = raw if raw is not None else json.dumps(payload, separators=(",", ":")).encode()
    sig = sign(ctx, raw) if signature is None else signature
    headers = {"X-Sandbox-Signature": sig} if sig != "" else {}
    return ctx.request("POST", "/api/v1/payments/sandbox/notify", body=raw, headers=headers,
                       content_type="application/json")


def pay(ctx, who, order_id):
    r = ctx.post("/api/v1/orders/%d/pay" % order_id, token=who["token"], ip=who["ip"])
    return ctx.expect(r, 200, what="pay")


def order_status(ctx, order_id):
    return ctx.sql_value("SELECT status FROM orders WHERE id = %d" % order_id)


def wait_for(ctx, query, expected, what, seconds=None):
    interval = int(ctx.conf.get("sweep_interval_s", "30"))
    deadline = time.time() + (seconds or interval * 3 + 5)
    value = None
    while time.time() < deadline:
        value = ctx.sql_value(query)
        if value == expected:
            return
        time.sleep(0.3)
    eq(value, expected, what)


# ------------------------------------------------------------ refusals


def test_order_refusals(ctx):
    campaign_id, item_id = make_item(ctx, stock=10)
    alice = shopper(ctx)
    tok = alice["token"]

    def post(b, key="refusal-key", **kw):
        headers = {} if key is None else {"Idempotency-Key": key}
        return ctx.post("/api/v1/orders", b, token=tok, headers=headers, **kw)

    ctx.expect(post(body(item_id), key=None), 400, "missing_idempotency_key")
    ctx.expect(post(body(item_id), key=""), 400, "missing_idempotency_key")
    ctx.expect(post(body(item_id), key="a b"), 400, "invalid_field")
    ctx.expect(post(body(item_id), key="k" * 65), 400, "invalid_field")
    ctx.expect(ctx.post("/api/v1/orders", body(item_id), headers={"Idempotency-Key": "x"}), 401, "unauthorized")
    ctx.expect(post({"lines": [{"item_id": item_id, "qty": 1}]}), 400, "missing_field")
    ctx.expect(post(dict(body(item_id), extra=1)), 400, "unknown_field")
    ctx.expect(post(dict(body(item_id), lines=[])), 400, "invalid_field")
    ctx.expect(post(body(item_id, qty=0)), 400, "invalid_field")
    ctx.expect(post(body(item_id, qty=100)), 400, "invalid_field")
    ctx.expect(post(body(item_id, qty="1")), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), lines=[{"item_id": item_id}])), 400, "missing_field")
    ctx.expect(post(dict(body(item_id), lines=[{"item_id": item_id, "qty": 1, "price_fen": 1}])), 400, "unknown_field")
    ctx.expect(post(dict(body(item_id), lines=[{"item_id": item_id, "qty": 1}] * 2)), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), lines=[{"item_id": item_id, "qty": 1}] * 21)), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), coupon_ids=["1"])), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), coupon_ids=[1, 2, 3, 4, 5, 6])), 400, "invalid_field")
    # the address: every field, its length, the phone
    for field in ADDRESS:
        partial = {k: v for k, v in ADDRESS.items() if k != field}
        r = post(dict(body(item_id), address=partial))
        ctx.expect(r, 400, "missing_field", what="address without " + field)
        check(field in r.json["error"]["message"], "the message names address.%s" % field)
    r = post(dict(body(item_id), address=dict(ADDRESS, phone="12345678901")))
    ctx.expect(r, 400, "invalid_phone")
    ctx.expect(post(dict(body(item_id), address=dict(ADDRESS, phone="138001380001"))), 400, "invalid_phone")
    r = post(dict(body(item_id), address=dict(ADDRESS, name="")))
    ctx.expect(r, 400, "invalid_field")
    check("address.name" in r.json["error"]["message"], "the message names address.name")
    ctx.expect(post(dict(body(item_id), address=dict(ADDRESS, name="名" * 21))), 400, "invalid_field")  # 63 bytes
    ctx.expect(post(dict(body(item_id), address=dict(ADDRESS, detail="址" * 101))), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), address=dict(ADDRESS, city="深圳\u0001"))), 400, "invalid_field")
    ctx.expect(post(dict(body(item_id), address=dict(ADDRESS, extra="x"))), 400, "unknown_field")
    ctx.expect(post(dict(body(item_id), address="广东省深圳市")), 400, "invalid_field")
    # the cart
    ctx.expect(post(body(999999999)), 404, "not_found")
    _, other_campaign_item = make_item(ctx)
    mixed = dict(body(item_id), lines=[{"item_id": item_id, "qty": 1}, {"item_id": other_campaign_item, "qty": 1}])
    ctx.expect(post(mixed), 422, "mixed_campaigns")
    _, ended = make_item(ctx, starts_in=-7200, ends_in=-3600)
    ctx.expect(post(body(ended)), 410, "campaign_not_active")
    _, upcoming = make_item(ctx, starts_in=3600, ends_in=7200)
    ctx.expect(post(body(upcoming)), 410, "campaign_not_active")
    ctx.expect(post(dict(body(item_id), points=10)), 422, "points_not_accepted")
    ctx.expect(post(body(item_id, qty=11)), 409, "out_of_stock")
    # none of that ordered anything, nor kept the key
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "0", "no orders")
    eq(ctx.sql_value("SELECT COUNT(*) FROM idempotency_key WHERE user_id = %d" % alice["id"]), "0", "no keys kept")
    check_stock(ctx, item_id, 10)
    # after refusals, the same key orders
    j = ctx.expect(post(body(item_id, qty=10)), 201, what="order with the key after refusals")
    eq(j["status"], "pending_payment", "status")
    check_stock(ctx, item_id, 10)


# ----------------------------------------------------- order, idempotency


def test_order_answer_and_idempotent_replay(ctx):
    campaign_id, item_id = make_item(ctx, price=12900, stock=10, pay_within_s=600)
    alice, bob = shopper(ctx), shopper(ctx)
    key = new_key()
    b = body(item_id, qty=2)
    t0 = int(time.time())
    r = place(ctx, alice, b, key=key)
    j = ctx.expect(r, 201, what="order")
    eq(j["status"], "pending_payment", "status")
    eq(j["total_fen"], 25800, "total")
    eq(j["subtotal_fen"], 25800, "subtotal")
    eq(j["discounts"], [], "no discounts")
    eq([(x["item_id"], x["qty"], x["unit_price_fen"], x["amount_fen"]) for x in j["lines"]], [(item_id, 2, 12900, 25800)],
       "lines")
    eq(j["address"]["phone"], "138****8000", "the address phone is masked")
    eq(j["address"]["detail"], ADDRESS["detail"], "address detail")
    pay_by = calendar.timegm(time.strptime(j["pay_by"], "%Y-%m-%dT%H:%M:%SZ"))
    check(abs(pay_by - (t0 + int(ctx.conf.get("order_pay_within_s", "900")))) <= 5,
          "pay_by is now + order_pay_within_s for an order without a bargain: %s" % j["pay_by"])
    eq(stock(ctx, item_id), [10, 8, 2, 0], "stock after one order of 2")

    # the same request again: the stored answer, 200, nothing more
    again = ctx.expect(place(ctx, alice, b, key=key), 200, what="replay")
    eq(again, j, "the replay is the stored answer")
    # the same body with other spacing and key order is the same request
    raw = json.dumps({"address": ADDRESS, "lines": [{"qty": 2, "item_id": item_id}]}, indent=2).encode()
    r = ctx.request("POST", "/api/v1/orders", body=raw, token=alice["token"], content_type="application/json",
                    headers={"Idempotency-Key": key})
    eq(ctx.expect(r, 200, what="replay with reordered keys")["id"], j["id"], "same order")
    # another body under the same key
    ctx.expect(place(ctx, alice, body(item_id, qty=1), key=key), 422, "idempotency_key_reused")
    # keys are per shopper: bob's same key is bob's own
    jb = ctx.expect(place(ctx, bob, b, key=key), 201, what="bob's order with alice's key")
    check(jb["id"] != j["id"], "a different order")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "1", "alice has one order")
    check_stock(ctx, item_id, 10)
    eq(ctx.sql("SELECT state, response_status, order_id FROM idempotency_key WHERE user_id = %d" % alice["id"]),
       [["done", "201", str(j["id"])]], "the key row")
    eq(ctx.sql("SELECT from_status, to_status, actor FROM order_event WHERE order_id = %d" % j["id"]),
       [[None, "pending_payment", "shopper"]], "the creation is logged")

    # reads
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % j["id"], token=alice["token"]), 200, what="read")
    eq(got, j, "GET answers what the order answered")
    ctx.expect(ctx.get("/api/v1/orders/%d" % j["id"], token=bob["token"]), 404, "not_found")
    ctx.expect(ctx.get("/api/v1/orders/999999999", token=bob["token"]), 404, "not_found")
    ctx.expect(ctx.get("/api/v1/orders/%d" % j["id"]), 401, "unauthorized")
    mine = ctx.expect(ctx.get("/api/v1/orders", token=alice["token"]), 200, what="my orders")
    eq([o["id"] for o in mine["items"]], [j["id"]], "alice's list")
    eq(mine["next_cursor"], None, "one page")
    ctx.expect(ctx.get("/api/v1/orders?limit=0", token=alice["token"]), 400, "invalid_field")
    # keys are kept a day: an old done key is forgotten and may order again
    ctx.sql("UPDATE idempotency_key SET created_at = created_at - INTERVAL 2 DAY WHERE user_id = %d" % alice["id"])
    j2 = ctx.expect(place(ctx, alice, body(item_id, qty=1), key=key), 201, what="a key past its day")
    check(j2["id"] != j["id"], "a new order")
    check_stock(ctx, item_id, 10)


def test_a_key_abandoned_in_flight_blocks_then_is_taken_over(ctx):
    _, item_id = make_item(ctx, stock=5)
    alice = shopper(ctx)
    key = new_key()
    b = body(item_id)
    # a claim whose worker died: running, same body
    j = ctx.expect(place(ctx, alice, b, key=key), 201, what="order")
    ctx.sql("UPDATE idempotency_key SET state = 'running', response_status = NULL, response_body = NULL "
            "WHERE user_id = %d" % alice["id"])
    ctx.sql("UPDATE orders SET status = 'cancelled' WHERE id = %d" % j["id"])
    ctx.sql("UPDATE campaign_item SET stock_reserved = stock_reserved - 1, stock_left = stock_left + 1 WHERE id = %d"
            % item_id)
    ctx.expect(place(ctx, alice, b, key=key), 409, "in_progress")
    ctx.expect(place(ctx, alice, body(item_id, qty=2), key=key), 422, "idempotency_key_reused")
    ctx.sql("UPDATE idempotency_key SET claimed_at = claimed_at - INTERVAL 10 MINUTE WHERE user_id = %d" % alice["id"])
    j2 = ctx.expect(place(ctx, alice, b, key=key), 201, what="taking over a stale claim")
    check(j2["id"] != j["id"], "a new order")
    check_stock(ctx, item_id, 5)


def test_five_hundred_orders_race_for_fifty(ctx):
    _, item_id = make_item(ctx, price=9900, stock=50)
    people = shoppers(ctx, 100)

    def attempt(who):
        r = place(ctx, who, body(item_id), timeout=120)
        return (r.status, r.error_code, r.json.get("id") if r.status == 201 else None)

    calls = [(lambda who=who: attempt(who)) for who in people for _ in range(5)]
    eq(len(calls), 500, "attempts")
    results = ctx.concurrently(calls, what="500 orders for 50 units")
    created = [r for r in results if r[0] == 201]
    refused = [r for r in results if r[0] != 201]
    for status, code, _ in refused:
        check((status, code) == (409, "out_of_stock"), "unexpected answer %s %s" % (status, code))
    eq(len(created), 50, "orders created")
    eq(len({r[2] for r in created}), 50, "distinct order ids")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_line WHERE item_id = %d" % item_id), "50", "order rows")
    eq(check_stock(ctx, item_id, 50), (50, 0, 50, 0), "total, left, reserved, sold")
    eq(ctx.sql_value("SELECT COUNT(*) FROM idempotency_key k JOIN orders o ON o.id = k.order_id "
                     "JOIN order_line l ON l.order_id = o.id WHERE l.item_id = %d AND k.state = 'done'" % item_id),
       "50", "one finished key per order")


def test_one_key_twenty_times_at_once_makes_one_order(ctx):
    _, item_id = make_item(ctx, stock=50)
    alice = shopper(ctx)
    key = new_key()
    b = body(item_id, qty=2)

    def attempt():
        r = place(ctx, alice, b, key=key, timeout=60)
        return (r.status, r.error_code, r.json.get("id") if r.status in (200, 201) else None)

    results = ctx.concurrently([attempt] * 20, what="one key 20 times")
    statuses = sorted(s for s, _, _ in results)
    eq(statuses.count(201), 1, "one 201 among %r" % statuses)
    for status, code, _ in results:
        check(status in (200, 201) or (status, code) == (409, "in_progress"), "unexpected %s %s" % (status, code))
    eq(len({i for s, _, i in results if s in (200, 201)}), 1, "every success names the same order")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "1", "one order row")
    eq(check_stock(ctx, item_id, 50), (50, 48, 2, 0), "stock moved once")
    # and afterwards every retry gets the stored answer
    eq(ctx.expect(place(ctx, alice, b, key=key), 200, what="retry")["id"], [i for s, _, i in results if s == 201][0],
       "the stored order")


def test_one_coupon_twenty_orders_at_once(ctx):
    campaign_id, item_id = make_item(ctx, price=10000, stock=50)
    alice = shopper(ctx)
    coupon = make_coupon(ctx, alice["id"], amount=3000)

    def attempt():
        r = place(ctx, alice, body(item_id, coupon_ids=[coupon]), timeout=60)
        return (r.status, r.error_code, r.json.get("id") if r.status == 201 else None)

    results = ctx.concurrently([attempt] * 20, what="one coupon 20 times")
    ok = [r for r in results if r[0] == 201]
    eq(len(ok), 1, "orders that got the coupon")
    for status, code, _ in results:
        check(status == 201 or (status, code) == (422, "coupon_not_applicable"), "unexpected %s %s" % (status, code))
    order_id = ok[0][2]
    eq(ctx.sql("SELECT status, order_id FROM coupon WHERE id = %d" % coupon)[0], ["used", str(order_id)], "coupon row")
    eq(ctx.sql_value("SELECT total_fen FROM orders WHERE id = %d" % order_id), "7000", "the one order's total")
    eq(ctx.sql("SELECT kind, amount_fen, coupon_id FROM order_discount WHERE order_id = %d" % order_id),
       [["coupon", "3000", str(coupon)]], "its discount line")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE user_id = %d" % alice["id"]), "1", "one order in all")
    eq(check_stock(ctx, item_id, 50), (50, 49, 1, 0), "stock")


# --------------------------------------------------------------- bargains


def test_bargain_orders(ctx):
    _, item_id = make_item(ctx, price=50000, floor=30000, stock=10)
    alice, bob = shopper(ctx), shopper(ctx)
    active = make_succeeded_bargain(ctx, alice["id"], item_id, status="active")
    ctx.expect(place(ctx, alice, body(item_id, bargain_id=active)), 409, "bargain_not_succeeded")
    ctx.sql("UPDATE bargain SET status = 'expired', open_slot = NULL WHERE id = %d" % active)
    b_id = make_succeeded_bargain(ctx, alice["id"], item_id, pay_within_s=1200)
    ctx.expect(place(ctx, bob, body(item_id, bargain_id=b_id)), 404, "not_found")
    ctx.expect(place(ctx, alice, body(item_id, bargain_id=999999999)), 404, "not_found")
    _, other_item = make_item(ctx)
    ctx.expect(place(ctx, alice, body(other_item, bargain_id=b_id)), 400, "invalid_field")
    quote = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 2}], "bargain_id": b_id},
                                token=alice["token"]), 200, what="quote")
    eq((quote["subtotal_fen"], quote["total_fen"]), (100000, 80000), "quote: one unit at the bargain price")
    eq([(d["kind"], d["amount_fen"]) for d in quote["discounts"]], [("bargain", 20000)], "quote discounts")

    # ten different keys race for the one bargain: one order
    def attempt():
        r = place(ctx, alice, body(item_id, bargain_id=b_id), timeout=60)
        return (r.status, r.error_code, r.json)

    t0 = int(time.time())
    results = ctx.concurrently([attempt] * 10, what="ten keys on one bargain")
    ok = [r for r in results if r[0] == 201]
    eq(len(ok), 1, "one order per bargain")
    for status, code, _ in results:
        check(status == 201 or (status, code) == (409, "bargain_not_succeeded"), "unexpected %s %s" % (status, code))
    j = ok[0][2]
    eq((j["bargain_id"], j["subtotal_fen"], j["total_fen"]), (b_id, 50000, 30000), "charged the bargain price")
    eq(j["lines"][0]["bargain_price_fen"], 30000, "line shows the bargain price")
    eq([(d["kind"], d["amount_fen"]) for d in j["discounts"]], [("bargain", 20000)], "the bargain discount line")
    pay_by = calendar.timegm(time.strptime(j["pay_by"], "%Y-%m-%dT%H:%M:%SZ"))
    check(abs(pay_by - (t0 + 1200)) <= 5, "pay_by from the bargain's pay_within_s: %s" % j["pay_by"])
    eq(ctx.sql("SELECT status, open_slot FROM bargain WHERE id = %d" % b_id)[0], ["ordered", None],
       "the bargain is ordered and its open slot freed")
    j2 = ctx.expect(ctx.get("/api/v1/bargains/%d" % b_id, token=alice["token"]), 200, what="bargain read")
    eq(j2["status"], "ordered", "the bargain shows ordered")
    # a new bargain on the item is possible now (the open slot is free)
    eq(ctx.sql_value("SELECT COUNT(*) FROM bargain WHERE user_id = %d AND item_id = %d AND open_slot = 1"
                     % (alice["id"], item_id)), "0", "no open bargain left")
    # cancelling gives the bargain back (issue 14): one standing order per bargain
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"]), 200, what="cancel")
    again = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="ordered again after cancel")
    ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 409, "bargain_not_succeeded")
    eq(again["total_fen"], 30000, "the bargain price again")
    check_stock(ctx, item_id, 10)


# ------------------------------------------------------------------ cancel


def test_cancel_returns_stock_and_coupon_once(ctx):
    _, item_id = make_item(ctx, price=10000, stock=5)
    alice, bob = shopper(ctx), shopper(ctx)
    coupon = make_coupon(ctx, alice["id"], amount=1500)
    j = ctx.expect(place(ctx, alice, body(item_id, qty=3, coupon_ids=[coupon])), 201, what="order")
    eq(j["total_fen"], 28500, "total with the coupon")
    eq(stock(ctx, item_id), [5, 2, 3, 0], "reserved")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=bob["token"]), 404, "not_found")

    def cancel():
        r = ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"], timeout=30)
        return (r.status, r.error_code, r.json)

    results = ctx.concurrently([cancel] * 5, what="five cancels of one order")
    eq(sorted(r[0] for r in results), [200, 409, 409, 409, 409], "one cancel wins")
    won = [r[2] for r in results if r[0] == 200][0]
    eq((won["status"], won["cancel_reason"]), ("cancelled", "shopper"), "the cancelled order")
    check(won["cancelled_at"], "cancelled_at")
    for status, code, _ in results:
        check(status == 200 or code == "invalid_state", "refused as invalid_state")
    eq(check_stock(ctx, item_id, 5), (5, 5, 0, 0), "stock back, once")
    eq(ctx.sql("SELECT status, order_id FROM coupon WHERE id = %d" % coupon)[0], ["available", None], "coupon back")
    eq(ctx.sql("SELECT from_status, to_status, actor, note FROM order_event WHERE order_id = %d ORDER BY id" % j["id"]),
       [[None, "pending_payment", "shopper", None], ["pending_payment", "cancelled", "shopper", "shopper"]],
       "every change logged")
    ctx.expect(ctx.post("/api/v1/orders/%d/pay" % j["id"], token=alice["token"]), 409, "invalid_state")
    # the coupon serves another order
    j2 = ctx.expect(place(ctx, alice, body(item_id, coupon_ids=[coupon])), 201, what="order reusing the coupon")
    eq(j2["total_fen"], 8500, "coupon applied again")
    check_stock(ctx, item_id, 5)


# ----------------------------------------------------------------- payment


def test_pay_and_notify_once(ctx):
    _, item_id = make_item(ctx, price=12345, stock=3)
    alice, bob = shopper(ctx), shopper(ctx)
    j = ctx.expect(place(ctx, alice, body(item_id, qty=2)), 201, what="order")
    ctx.expect(ctx.post("/api/v1/orders/%d/pay" % j["id"], token=bob["token"]), 404, "not_found")
    p = pay(ctx, alice, j["id"])
    eq((p["provider"], p["order_id"], p["amount_fen"]), ("sandbox", j["id"], 24690), "payment")
    check(p["payment_id"].startswith("sb_") and len(p["payment_id"]) == 27, "payment id %r" % p["payment_id"])
    eq(pay(ctx, alice, j["id"])["payment_id"], p["payment_id"], "paying again answers the open payment")
    payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": 24690, "status": "success"}
    r = notify(ctx, payload)
    eq(ctx.expect(r, 200, what="notify")["outcome"], "paid", "outcome")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % j["id"], token=alice["token"]), 200, what="read")
    eq(got["status"], "paid", "paid")
    check(got["paid_at"], "paid_at")
    eq(check_stock(ctx, item_id, 3), (3, 1, 0, 2), "stock sold")
    eq(ctx.sql_value("SELECT status FROM payment WHERE provider_ref = %s" % ctx.q(p["payment_id"])), "succeeded",
       "payment row")
    # replays change nothing
    for _ in range(3):
        eq(ctx.expect(notify(ctx, payload), 200, what="replayed notify")["outcome"], "duplicate", "replay outcome")
    eq(check_stock(ctx, item_id, 3), (3, 1, 0, 2), "stock after replays")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id = %d AND to_status = 'paid'" % j["id"]), "1",
       "paid once")
    ctx.expect(ctx.post("/api/v1/orders/%d/pay" % j["id"], token=alice["token"]), 409, "invalid_state")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"]), 409, "invalid_state")
    # points: one per whole yuan paid, once
    per_yuan = int(ctx.conf.get("points_per_yuan_paid", "1"))
    points = ctx.expect(ctx.get("/api/v1/me/points", token=alice["token"]), 200, what="points")
    eq(points["balance"], 246 * per_yuan, "balance")
    eq([(x["delta"], x["balance_after"], x["reason"], x["order_id"]) for x in points["items"]],
       [(246 * per_yuan, 246 * per_yuan, "order_paid", j["id"])], "ledger")
    eq(points["next_cursor"], None, "one page")
    me = ctx.expect(ctx.get("/api/v1/me", token=alice["token"]), 200, what="me")
    eq(me["points_balance"], 246 * per_yuan, "balance on /me")
    eq(ctx.expect(ctx.get("/api/v1/me/points", token=bob["token"]), 200, what="bob's points")["balance"], 0,
       "bob has none")


def test_notify_refusals_change_nothing(ctx):
    _, item_id = make_item(ctx, price=5000, stock=3)
    alice = shopper(ctx)
    j = ctx.expect(place(ctx, alice, body(item_id)), 201, what="order")
    p = pay(ctx, alice, j["id"])
    payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": 5000, "status": "success"}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    good = sign(ctx, raw)
    before = int(ctx.sql_value("SELECT COALESCE(MAX(id), 0) FROM payment_notify"))
    tampered = raw.replace(b"5000", b"5001")
    ctx.expect(notify(ctx, None, signature=good, raw=tampered), 401, "bad_signature")
    ctx.expect(notify(ctx, None, signature="", raw=raw), 401, "bad_signature")
    ctx.expect(notify(ctx, None, signature=good[:-1], raw=raw), 401, "bad_signature")
    ctx.expect(notify(ctx, None, signature=good.upper()[:-1] + "g", raw=raw), 401, "bad_signature")
    wrong_key = hmac.new(b"k" * 64, raw, hashlib.sha256).hexdigest()
    ctx.expect(notify(ctx, None, signature=wrong_key, raw=raw), 401, "bad_signature")
    ctx.expect(notify(ctx, None, signature=good, raw=raw + b" "), 401, "bad_signature")
    # signed, but wrong: amount, unknown payment, another order
    ctx.expect(notify(ctx, dict(payload, amount_fen=4999)), 422, "amount_mismatch")
    ctx.expect(notify(ctx, dict(payload, amount_fen=0)), 422, "amount_mismatch")
    ctx.expect(notify(ctx, dict(payload, payment_id="sb_000000000000000000000000")), 404, "not_found")
    ctx.expect(notify(ctx, dict(payload, order_id=j["id"] + 1000000)), 404, "not_found")
    ctx.expect(notify(ctx, dict(payload, extra=1)), 400, "unknown_field")
    eq(ctx.expect(notify(ctx, dict(payload, status="failed")), 200, what="a failure report")["outcome"], "ignored",
       "a failure report is recorded, not applied")
    eq(order_status(ctx, j["id"]), "pending_payment", "still pending")
    eq(ctx.sql_value("SELECT status FROM payment WHERE provider_ref = %s" % ctx.q(p["payment_id"])), "created",
       "payment untouched")
    eq(check_stock(ctx, item_id, 3), (3, 2, 1, 0), "stock untouched")
    eq(ctx.sql("SELECT outcome FROM payment_notify WHERE id > %d AND provider_ref IN (%s, "
               "'sb_000000000000000000000000') ORDER BY id" % (before, ctx.q(p["payment_id"]))),
       [["amount_mismatch"], ["amount_mismatch"], ["unknown"], ["unknown"], ["ignored"]],
       "signed notifies recorded, bad signatures not")
    # and the genuine one still works
    eq(ctx.expect(notify(ctx, payload), 200, what="notify")["outcome"], "paid", "paid")
    eq(check_stock(ctx, item_id, 3), (3, 2, 0, 1), "sold")


# ------------------------------------------------------------------- sweep


def test_sweeper_cancels_unpaid_orders_once(ctx):
    _, item_id = make_item(ctx, price=10000, stock=10)
    alice = shopper(ctx)
    coupons = [make_coupon(ctx, alice["id"], amount=500) for _ in range(3)]
    orders = [ctx.expect(place(ctx, alice, body(item_id, qty=2, coupon_ids=[c])), 201, what="order") for c in coupons]
    keep = ctx.expect(place(ctx, alice, body(item_id)), 201, what="an order not yet due")
    eq(stock(ctx, item_id), [10, 3, 7, 0], "reserved")
    ids = ",".join(str(o["id"]) for o in orders)
    ctx.sql("UPDATE orders SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id IN (%s)" % ids)
    # paying past pay_by is refused at once, before the sweeper comes
    ctx.expect(ctx.post("/api/v1/orders/%d/pay" % orders[0]["id"], token=alice["token"]), 409, "invalid_state")
    wait_for(ctx, "SELECT COUNT(*) FROM orders WHERE id IN (%s) AND status = 'cancelled'" % ids, "3",
             "the sweeper cancelled the three")
    eq(ctx.sql("SELECT DISTINCT cancel_reason FROM orders WHERE id IN (%s)" % ids), [["timeout"]], "reason")
    eq(order_status(ctx, keep["id"]), "pending_payment", "the order not yet due stays")
    time.sleep(int(ctx.conf.get("sweep_interval_s", "30")) * 2 + 1)  # more sweeps: nothing moves twice
    eq(check_stock(ctx, item_id, 10), (10, 9, 1, 0), "stock back exactly once")
    eq(ctx.sql("SELECT DISTINCT status FROM coupon WHERE id IN (%s)" % ",".join(map(str, coupons))), [["available"]],
       "coupons back")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id IN (%s) AND to_status = 'cancelled' "
                     "AND actor = 'system'" % ids), "3", "one cancel event each")
    got = ctx.expect(ctx.get("/api/v1/orders/%d" % orders[0]["id"], token=alice["token"]), 200, what="read")
    eq((got["status"], got["cancel_reason"]), ("cancelled", "timeout"), "shown cancelled by timeout")


def test_notifies_racing_the_sweeper(ctx):
    _, item_id = make_item(ctx, price=10000, stock=30)
    people = shoppers(ctx, 20)
    made = []
    for who in people:
        coupon = make_coupon(ctx, who["id"], amount=1000)
        j = ctx.expect(place(ctx, who, body(item_id, coupon_ids=[coupon])), 201, what="order")
        p = pay(ctx, who, j["id"])
        made.append((who, j, p, coupon))
    eq(stock(ctx, item_id), [30, 10, 20, 0], "reserved")
    ids = ",".join(str(j["id"]) for _, j, _, _ in made)
    interval = int(ctx.conf.get("sweep_interval_s", "30"))
    # The race must happen, not just may: the sweepers are held off (the
    # test holds their lease row, service_lease 'order_sweep', for `held`
    # s) while the first notifies land, so those pay; the lease then runs
    # out, and notifies keep coming until well past the next sweep, so the
    # last ones find their orders cancelled. In between, notifies and
    # sweeps interleave freely.
    held = 2.0
    spread = held + interval * 1.5 + 1.0
    ctx.sql("INSERT INTO service_lease (name, holder, expires_at) "
            "VALUES ('order_sweep', 'api-test', UTC_TIMESTAMP(6) + INTERVAL %.1f SECOND) "
            "ON DUPLICATE KEY UPDATE holder = VALUES(holder), expires_at = VALUES(expires_at)" % held)
    ctx.sql("UPDATE orders SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id IN (%s)" % ids)
    started = time.monotonic()

    def send(i, j, p):
        time.sleep(max(0.0, started + i * spread / len(made) - time.monotonic()))
        payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": 9000, "status": "success"}
        sent = time.monotonic() - started
        return j["id"], sent, ctx.expect(notify(ctx, payload), 200, what="notify")["outcome"]

    answers = ctx.concurrently([(lambda i=i, j=j, p=p: send(i, j, p)) for i, (_, j, p, _) in enumerate(made)],
                               what="20 notifies racing the sweeper")
    outcomes = {oid: outcome for oid, _, outcome in answers}
    wait_for(ctx, "SELECT COUNT(*) FROM orders WHERE id IN (%s) AND status = 'pending_payment'" % ids, "0",
             "nothing left pending")
    paid = [oid for oid, o in outcomes.items() if o == "paid"]
    late = [oid for oid, o in outcomes.items() if o == "refund_due"]
    eq(len(paid) + len(late), 20, "every notify either paid its order or was too late: %r" % outcomes)
    early = [oid for oid, sent, _ in answers if sent < held - 1.0]  # a second to reach the database
    check(early and set(early) <= set(paid), "the notifies sent while the sweepers were held off paid: %r"
          % [(oid, round(sent, 2), outcomes[oid]) for oid, sent, _ in answers])
    check(late, "no notify came after a sweep: the race did not happen (%r)" % sorted(outcomes.values()))
    for who, j, p, coupon in made:
        status = order_status(ctx, j["id"])
        pay_status = ctx.sql_value("SELECT status FROM payment WHERE provider_ref = %s" % ctx.q(p["payment_id"]))
        coupon_status = ctx.sql_value("SELECT status FROM coupon WHERE id = %d" % coupon)
        if j["id"] in paid:
            eq((status, pay_status, coupon_status), ("paid", "succeeded", "used"), "a paid order")
        else:
            eq((status, pay_status, coupon_status), ("cancelled", "refund_due", "available"),
               "a cancelled order whose money is owed back")
    eq(check_stock(ctx, item_id, 30), (30, 30 - len(paid), 0, len(paid)), "stock: sold the paid, the rest back")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id IN (%s) AND to_status IN ('paid', 'cancelled')"
                     % ids), "20", "one final event per order")
    # a late replay stays a no-op
    who, j, p, _ = made[0]
    payload = {"payment_id": p["payment_id"], "order_id": j["id"], "amount_fen": 9000, "status": "success"}
    eq(ctx.expect(notify(ctx, payload), 200, what="late replay")["outcome"], "duplicate", "replay")
    eq(check_stock(ctx, item_id, 30), (30, 30 - len(paid), 0, len(paid)), "unchanged by the replay")


def test_sweeper_takes_more_than_a_batch_at_once(ctx):
    # more due orders than one batch of the sweeper (200): all go in one sweep
    _, item_id = make_item(ctx, price=100, stock=300)
    people = shoppers(ctx, 25)

    def orders_of(who):
        return [ctx.expect(place(ctx, who, body(item_id), timeout=60), 201, what="order")["id"] for _ in range(10)]

    ids = [i for some in ctx.concurrently([(lambda who=who: orders_of(who)) for who in people],
                                          what="25 shoppers x 10 orders") for i in some]
    eq(len(ids), 250, "orders placed")
    eq(stock(ctx, item_id), [300, 50, 250, 0], "reserved")
    id_list = ",".join(map(str, ids))
    ctx.sql("UPDATE orders SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id IN (%s)" % id_list)
    wait_for(ctx, "SELECT COUNT(*) FROM orders WHERE id IN (%s) AND status = 'cancelled'" % id_list, "250",
             "all 250 cancelled")
    eq(check_stock(ctx, item_id, 300), (300, 300, 0, 0), "all stock back, once")


# ------------------------------------------------- issue 14's defects


def pay_and_notify(ctx, who, order_id):
    p = pay(ctx, who, order_id)
    r = notify(ctx, {"payment_id": p["payment_id"], "order_id": order_id, "amount_fen": p["amount_fen"],
                     "status": "success"})
    eq(ctx.expect(r, 200, what="notify")["outcome"], "paid", "notify outcome")


def bargain_row(ctx, bargain_id):
    return tuple(ctx.sql("SELECT status, COALESCE(open_slot, 0) FROM bargain WHERE id = %d" % bargain_id)[0])


def test_a_cancelled_bargain_order_gives_the_bargain_back(ctx):
    _, item_id = make_item(ctx, stock=5)
    alice = shopper(ctx)
    b_id = make_succeeded_bargain(ctx, alice["id"], item_id, pay_within_s=600)
    # cancelled by the shopper: succeeded and open again, orderable again
    j = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="bargain order")
    eq(bargain_row(ctx, b_id), ("ordered", "0"), "ordered")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"]), 200, what="cancel")
    eq(bargain_row(ctx, b_id), ("succeeded", "1"), "given back")
    got = ctx.expect(ctx.get("/api/v1/bargains/%d" % b_id, token=alice["token"]), 200, what="the bargain")
    eq(got["status"], "succeeded", "the bargain page says succeeded")
    # starting again answers the open bargain, not bargain_limit
    r = ctx.post("/api/v1/bargains", {"item_id": item_id}, token=alice["token"], ip=alice["ip"])
    eq(ctx.expect(r, 200, what="start again")["id"], b_id, "the open bargain")
    # cancelled by the sweeper for not paying in time: given back too
    j2 = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="ordered again")
    eq(j2["total_fen"], 30000, "the bargain price again")
    ctx.sql("UPDATE orders SET pay_by = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = %d" % j2["id"])
    wait_for(ctx, "SELECT status FROM orders WHERE id = %d" % j2["id"], "cancelled", "swept")
    wait_for(ctx, "SELECT status FROM bargain WHERE id = %d" % b_id, "succeeded", "given back by the sweeper")
    eq(ctx.sql_value("SELECT COUNT(*) FROM orders WHERE bargain_id = %d AND status = 'cancelled'" % b_id), "2",
       "both cancelled orders keep their bargain id")
    # paid: the bargain stays ordered for good (one live order per bargain)
    j3 = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="third order")
    pay_and_notify(ctx, alice, j3["id"])
    ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 409, "bargain_not_succeeded")
    eq(bargain_row(ctx, b_id), ("ordered", "0"), "ordered after paying")
    check_stock(ctx, item_id, 5)


def test_a_bargain_past_its_pay_window_is_not_given_back(ctx):
    _, item_id = make_item(ctx, stock=5)
    alice = shopper(ctx)
    b_id = make_succeeded_bargain(ctx, alice["id"], item_id, pay_within_s=600)
    j = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="bargain order")
    # the bargain's window (its expiry, or pay_within_s after success) ends while the order waits
    ctx.sql("UPDATE bargain SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, "
            "succeeded_at = UTC_TIMESTAMP() - INTERVAL 601 SECOND WHERE id = %d" % b_id)
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=alice["token"]), 200, what="cancel")
    eq(bargain_row(ctx, b_id), ("expired", "0"), "closed, not orderable")
    ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 409, "bargain_not_succeeded")
    # a succeeded bargain past its window cannot be ordered either
    _, other = make_item(ctx, stock=5)
    late = make_succeeded_bargain(ctx, alice["id"], other, pay_within_s=600)
    ctx.sql("UPDATE bargain SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, "
            "succeeded_at = UTC_TIMESTAMP() - INTERVAL 601 SECOND WHERE id = %d" % late)
    ctx.expect(place(ctx, alice, body(other, bargain_id=late)), 409, "bargain_not_succeeded")
    # within pay_within_s of success it still can, though past its expiry
    ctx.sql("UPDATE bargain SET succeeded_at = UTC_TIMESTAMP() - INTERVAL 500 SECOND WHERE id = %d" % late)
    ctx.expect(place(ctx, alice, body(other, bargain_id=late)), 201, what="in its window")
    check_stock(ctx, item_id, 5)
    check_stock(ctx, other, 5)


def test_orders_complete_on_receipt_or_by_time(ctx):
    from test_admin import admin_session
    admin = admin_session(ctx, "owner")
    _, item_id = make_item(ctx, stock=5)
    alice, bob = shopper(ctx), shopper(ctx)

    def ship(order_id):
        r = ctx.post("/api/v1/admin/orders/%d/ship" % order_id, {"carrier": "顺丰", "tracking_no": "SF100"},
                     token=admin["token"])
        ctx.expect(r, 200, what="ship")

    j = ctx.expect(place(ctx, alice, body(item_id)), 201, what="order")
    confirm = "/api/v1/orders/%d/confirm" % j["id"]
    ctx.expect(ctx.post(confirm, token=alice["token"]), 409, "invalid_state")  # pending
    pay_and_notify(ctx, alice, j["id"])
    ctx.expect(ctx.post(confirm, token=alice["token"]), 409, "invalid_state")  # paid, not shipped
    ship(j["id"])
    ctx.expect(ctx.post(confirm, token=bob["token"]), 404, "not_found")
    ctx.expect(ctx.post(confirm), 401, "unauthorized")
    got = ctx.expect(ctx.post(confirm, token=alice["token"]), 200, what="confirm")
    eq(got["status"], "completed", "completed on receipt")
    check(got["completed_at"], "completed_at")
    ctx.expect(ctx.post(confirm, token=alice["token"]), 409, "invalid_state")  # once
    eq(ctx.sql_value("SELECT CONCAT(actor, ':', note) FROM order_event WHERE order_id = %d "
                     "AND to_status = 'completed'" % j["id"]), "shopper:confirmed", "the event")
    ctx.expect(ctx.post("/api/v1/admin/orders/%d/refund" % j["id"], {}, token=admin["token"]), 409, "invalid_state")
    # by time: order_complete_after_days after shipping
    days = int(ctx.conf.get("order_complete_after_days", "10"))
    k = ctx.expect(place(ctx, alice, body(item_id)), 201, what="second order")
    pay_and_notify(ctx, alice, k["id"])
    ship(k["id"])
    ctx.sql("UPDATE orders SET shipped_at = UTC_TIMESTAMP() - INTERVAL %d DAY + INTERVAL 1 HOUR WHERE id = %d"
            % (days, k["id"]))
    interval = int(ctx.conf.get("sweep_interval_s", "30"))
    time.sleep(interval * 2 + 1)
    eq(order_status(ctx, k["id"]), "shipped", "not before its days have passed")
    ctx.sql("UPDATE orders SET shipped_at = UTC_TIMESTAMP() - INTERVAL %d DAY - INTERVAL 1 SECOND WHERE id = %d"
            % (days, k["id"]))
    wait_for(ctx, "SELECT status FROM orders WHERE id = %d" % k["id"], "completed", "completed by the sweeper")
    eq(ctx.sql_value("SELECT CONCAT(actor, ':', note) FROM order_event WHERE order_id = %d "
                     "AND to_status = 'completed'" % k["id"]), "system:auto", "the sweeper's event")
    eq(ctx.sql_value("SELECT COUNT(*) FROM order_event WHERE order_id = %d AND to_status = 'completed'" % k["id"]),
       "1", "completed once")


def test_the_funnel_counts_bargain_orders_against_succeeded_bargains(ctx):
    from test_admin import admin_session
    admin = admin_session(ctx, "owner")
    campaign_id, item_id = make_item(ctx, stock=20)
    alice, bob, carol = shopper(ctx), shopper(ctx), shopper(ctx)
    b_id = make_succeeded_bargain(ctx, alice["id"], item_id)
    ctx.sql("INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, succeeded) VALUES "
            "(%d, DATE_FORMAT(UTC_TIMESTAMP(), '%%Y-%%m-%%d %%H:00:00'), %d, 0, CURDATE(), 1)" % (campaign_id, item_id))
    bargain_order = ctx.expect(place(ctx, alice, body(item_id, bargain_id=b_id)), 201, what="bargain order")
    for who in (bob, carol, bob):
        ctx.expect(place(ctx, who, body(item_id)), 201, what="plain order")

    def stats():
        return ctx.expect(ctx.get("/api/v1/admin/campaigns/%d/stats" % campaign_id, token=admin["token"]), 200,
                          what="stats")

    s = stats()
    eq((s["succeeded"], s["orders"], s["bargain_orders"], s["bargain_paid"]), (1, 4, 1, 0), "funnel after placing")
    pay_and_notify(ctx, alice, bargain_order["id"])
    s = stats()
    eq((s["bargain_orders"], s["bargain_paid"], s["paid"]), (1, 1, 1), "funnel after paying")
    check(s["bargain_orders"] <= s["succeeded"], "never more bargain orders than succeeded bargains")
    # a cancelled bargain order leaves the funnel (its bargain is succeeded again)
    b2 = make_succeeded_bargain(ctx, bob["id"], item_id)
    j = ctx.expect(place(ctx, bob, body(item_id, bargain_id=b2)), 201, what="bob's bargain order")
    eq(stats()["bargain_orders"], 2, "two standing")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % j["id"], token=bob["token"]), 200, what="cancel")
    eq(stats()["bargain_orders"], 1, "one standing after the cancel")
