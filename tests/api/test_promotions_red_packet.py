"""The red packet line (红包, issue 14) end to end: `red_packet_ids` in the
quote and the order, 422 promotion_not_applicable for one that does not
apply, locked by the order, used when paid, given back on cancel."""

from kanjia import check, eq
from test_orders import body, make_item, pay_and_notify, place, shopper

ORDER = 74


def make_packet(ctx, user_id, amount, expires_in=86400, status="available"):
    ctx.sql("INSERT INTO red_packet (user_id, amount_fen, source, status, created_at, expires_at) VALUES "
            "(%d, %d, 'test', %s, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL %d SECOND)"
            % (user_id, amount, ctx.q(status), expires_in))
    return int(ctx.sql_value("SELECT MAX(id) FROM red_packet WHERE user_id = %d" % user_id))


def status(ctx, packet_id):
    return ctx.sql_value("SELECT status FROM red_packet WHERE id = %d" % packet_id)


def test_red_packets_end_to_end(ctx):
    _, item_id = make_item(ctx, price=10000, stock=20)
    alice, bob = shopper(ctx), shopper(ctx)
    five = make_packet(ctx, alice["id"], 500)
    eight = make_packet(ctx, alice["id"], 800)
    expired = make_packet(ctx, alice["id"], 800, expires_in=-10)
    bobs = make_packet(ctx, bob["id"], 800)
    for ids in ([expired], [bobs], [five, five], [999999999]):
        r = ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}], "red_packet_ids": ids},
                     token=alice["token"], ip=alice["ip"])
        ctx.expect(r, 422, "promotion_not_applicable", what="packets %s" % ids)
    ctx.expect(place(ctx, alice, body(item_id, red_packet_ids=[bobs])), 422, "promotion_not_applicable")
    q = ctx.expect(ctx.post("/api/v1/cart/quote", {"lines": [{"item_id": item_id, "qty": 1}],
                                                   "red_packet_ids": [five, eight]},
                            token=alice["token"], ip=alice["ip"]), 200)
    eq((q["total_fen"], [(d["kind"], d["amount_fen"], d["label"]) for d in q["discounts"]]),
       (8700, [("red_packet", 500, "红包：5元"), ("red_packet", 800, "红包：8元")]), "two packets")
    o = ctx.expect(place(ctx, alice, body(item_id, red_packet_ids=[five, eight])), 201, what="order")
    eq(o["total_fen"], 8700, "the order as its quote")
    eq((status(ctx, five), status(ctx, eight)), ("locked", "locked"), "locked by the order")
    ctx.expect(place(ctx, alice, body(item_id, red_packet_ids=[five])), 422, "promotion_not_applicable")
    ctx.expect(ctx.post("/api/v1/orders/%d/cancel" % o["id"], token=alice["token"]), 200, what="cancel")
    eq((status(ctx, five), status(ctx, eight)), ("available", "available"), "given back")
    o = ctx.expect(place(ctx, alice, body(item_id, red_packet_ids=[eight])), 201, what="order again")
    pay_and_notify(ctx, alice, o["id"])
    eq(status(ctx, eight), "used", "used when paid")
    listed = ctx.expect(ctx.get("/api/v1/me/red-packets", token=alice["token"]), 200, what="wallet")
    eq({p["id"]: p["status"] for p in listed["items"] if p["id"] in (five, eight)},
       {five: "available", eight: "used"}, "the wallet agrees")


def test_one_red_packet_twenty_orders_at_once(ctx):
    _, item_id = make_item(ctx, price=10000, stock=50)
    alice = shopper(ctx)
    packet = make_packet(ctx, alice["id"], 1500)

    def attempt():
        r = place(ctx, alice, body(item_id, red_packet_ids=[packet]), timeout=60)
        return (r.status, r.error_code, r.json.get("id") if r.status == 201 else None)

    results = ctx.concurrently([attempt] * 20, what="one red packet 20 times")
    for status, code, _ in results:
        check(status == 201 or (status, code) == (422, "promotion_not_applicable"), "unexpected %s %s" % (status, code))
    ok = [r for r in results if r[0] == 201]
    eq(len(ok), 1, "one order got the packet")
    eq(ctx.sql("SELECT status, order_id FROM red_packet WHERE id = %d" % packet)[0], ["locked", str(ok[0][2])],
       "locked by that order")
    eq(ctx.sql_value("SELECT total_fen FROM orders WHERE id = %d" % ok[0][2]), "8500", "its total")
