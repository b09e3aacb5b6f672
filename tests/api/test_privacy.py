"""Privacy by role (issue 12, defect 1): the admin's phone search and the
order list's phone filter are no oracle for non-owners. They match the last
four digits (which the masked numbers they see show anyway) or a whole
number only, never a prefix; a whole-number lookup is rate-limited per
admin and recorded in the audit log (with the masked number); the answers
do not depend on whether a number exists; no log keeps a full number."""

import json
import time

from kanjia import check, eq
from test_admin import admin_session

ORDER = 66

A = "/api/v1/admin"


def masked(phone):
    return phone[:3] + "****" + phone[7:]


def shopper_phone(ctx):
    j = ctx.login()
    return j["phone"], j["user"]["id"]


def unused_phone(ctx):
    phone = ctx.new_phone()
    eq(ctx.sql_value("SELECT COUNT(*) FROM shopper WHERE phone = %s" % ctx.q(phone)), "0", "an unused number")
    return phone


def lookups(ctx, admin_id):
    rows = ctx.sql("SELECT after_json FROM audit_log WHERE admin_id = %d AND action = 'phone.lookup' ORDER BY id"
                   % admin_id)
    return [json.loads(r[0]) for r in rows]


def error_of(r):
    return (r.status, r.json["error"]["code"], r.json["error"]["message"])


def test_an_operator_cannot_recover_a_number_by_prefix(ctx):
    phone, user_id = shopper_phone(ctx)
    op = admin_session(ctx, "operator")
    # The old oracle: one more leading digit per request, 27 requests in all.
    # Every prefix is refused the same way, whether or not a number has it.
    other = unused_phone(ctx)
    for length in range(3, 11):
        if length == 4:
            continue  # four digits are the last four (below), not a prefix
        mine = ctx.get(A + "/users?phone=%s" % phone[:length], token=op["token"])
        ctx.expect(mine, 400, "invalid_field", what="a %d-digit prefix" % length)
        none = ctx.get(A + "/users?phone=%s" % ("19" + other[2:])[:length], token=op["token"])
        eq(error_of(mine), error_of(none), "answers to a prefix that exists and one that does not")
    # an owner keeps the prefix search
    owner = admin_session(ctx, "owner")
    j = ctx.expect(ctx.get(A + "/users?phone=%s" % phone[:7], token=owner["token"]), 200, what="owner prefix")
    check(user_id in [x["id"] for x in j["items"]], "the owner finds the shopper by a prefix")
    eq(lookups(ctx, owner["admin"]["id"]), [], "owners' searches are not lookups")


def test_the_last_four_digits_show_only_masked_numbers(ctx):
    phone, user_id = shopper_phone(ctx)
    op = admin_session(ctx, "operator")
    j = ctx.expect(ctx.get(A + "/users?phone=%s&limit=100" % phone[7:], token=op["token"]), 200, what="last four")
    check(all("phone" not in x and x["phone_masked"].endswith(phone[7:]) for x in j["items"]),
          "every match ends with the four digits and is masked")
    # the first four digits are not a prefix search for an operator
    j = ctx.expect(ctx.get(A + "/users?phone=%s&limit=100" % phone[:4], token=op["token"]), 200, what="leading four")
    check(all(x["phone_masked"].endswith(phone[:4]) for x in j["items"]), "four digits match the end only")
    eq(lookups(ctx, op["admin"]["id"]), [], "a last-four search is no whole-number lookup")


def test_a_whole_number_lookup_is_audited_and_shaped_alike(ctx):
    phone, user_id = shopper_phone(ctx)
    op = admin_session(ctx, "operator")
    found = ctx.expect(ctx.get(A + "/users?phone=%s" % phone, token=op["token"]), 200, what="a number that exists")
    eq([x["id"] for x in found["items"]], [user_id], "the lookup finds the shopper")
    eq(found["items"][0]["phone_masked"], masked(phone), "masked")
    check("phone" not in found["items"][0], "no full number for an operator")
    other = unused_phone(ctx)
    none = ctx.expect(ctx.get(A + "/users?phone=%s" % other, token=op["token"]), 200, what="a number that does not")
    eq(sorted(none), sorted(found), "the same answer shape")
    eq(none["items"], [], "no match")
    eq(lookups(ctx, op["admin"]["id"]), [{"list": "users", "phone_masked": masked(phone)},
                                          {"list": "users", "phone_masked": masked(other)}],
       "both lookups audited, without the full numbers")
    audit = "".join(r[0] or "" for r in ctx.sql("SELECT after_json FROM audit_log WHERE admin_id = %d"
                                                  % op["admin"]["id"]))
    check(phone not in audit and other not in audit, "a full number in the audit log")
    # the order list's filter is a lookup too, for any non-owner
    ful = admin_session(ctx, "fulfilment")
    ctx.expect(ctx.get(A + "/orders?phone=%s" % phone, token=ful["token"]), 200, what="orders by phone")
    eq(lookups(ctx, ful["admin"]["id"]), [{"list": "orders", "phone_masked": masked(phone)}], "orders lookup audited")


def test_whole_number_lookups_are_rate_limited_per_admin(ctx):
    limit = int(ctx.conf.get("admin_phone_lookup_per_hour", "30"))
    phone, _ = shopper_phone(ctx)
    ctx.wait_hour_boundary(margin=60)
    op = admin_session(ctx, "operator")
    for i in range(limit):
        ctx.expect(ctx.get(A + "/users?phone=%s" % (phone if i % 2 else unused_phone(ctx)), token=op["token"]), 200,
                   what="lookup %d of %d" % (i + 1, limit))
    over = ctx.get(A + "/users?phone=%s" % phone, token=op["token"])
    ctx.expect(over, 429, "rate_limited", what="past the hourly lookups")
    retry = over.header("Retry-After")
    check(retry and retry.isdigit() and 0 < int(retry) <= 3600, "Retry-After %r" % retry)
    unknown = ctx.get(A + "/users?phone=%s" % unused_phone(ctx), token=op["token"])
    eq(error_of(unknown), error_of(over), "the refusal of a number that exists and of one that does not")
    # the order filter shares the limit
    ctx.expect(ctx.get(A + "/orders?phone=%s" % phone, token=op["token"]), 429, "rate_limited", what="orders filter")
    eq(len(lookups(ctx, op["admin"]["id"])), limit, "audited lookups: only those answered")
    # the limit is per admin: another operator, and the owner, still look up
    other = admin_session(ctx, "operator")
    ctx.expect(ctx.get(A + "/users?phone=%s" % phone, token=other["token"]), 200, what="another operator")
    owner = admin_session(ctx, "owner")
    ctx.expect(ctx.get(A + "/users?phone=%s" % phone, token=owner["token"]), 200, what="an owner")
    # the last-four search is not limited
    ctx.expect(ctx.get(A + "/users?phone=%s" % phone[7:], token=op["token"]), 200, what="last four past the limit")


def test_no_log_keeps_a_looked_up_number(ctx):
    phone, _ = shopper_phone(ctx)
    op = admin_session(ctx, "operator")
    ctx.expect(ctx.get(A + "/users?phone=%s" % phone, token=op["token"]), 200, what="lookup")
    ctx.expect(ctx.get(A + "/users?phone=%s" % phone[:5], token=op["token"]), 400, "invalid_field", what="prefix")
    if not ctx.run_dir:
        return
    time.sleep(1.5)  # nginx's access log is flushed every second
    import os
    for name in ("nginx-access.log", "nginx-error.log", "kanjiad.log"):
        path = os.path.join(ctx.run_dir, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        check(phone not in text, "%s keeps the full number" % name)
        check("phone=" + phone[:5] not in text, "%s keeps the query string" % name)
