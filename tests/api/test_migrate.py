"""A schema upgrade with data in it: a database of its own is migrated with
the first three migrations only (as a shop that installed an older kanjia),
filled with shoppers, a campaign, bargains, cuts, share opens and a paid
order written the way that version wrote them, then migrated to the latest
schema by `kanjiad migrate`. Every row must survive, the new columns take
their defaults, and the statistics of 006 count the old events exactly."""

import os
import re
import secrets
import shutil
import subprocess
import tempfile

from kanjia import check, eq

ORDER = 57

OLD = 3  # migrations of the "older kanjia"
WHEN = "2026-01-10 03:20:00"  # UTC: the shop's day 2026-01-10 (11:20 in Shanghai)
HOUR = "2026-01-10 03:00:00"


def migrate(ctx, conf):
    r = subprocess.run([ctx.bin, "-c", conf, "migrate"], capture_output=True, timeout=120)
    check(r.returncode == 0, "kanjiad migrate failed: %s" % (r.stdout + r.stderr).decode("utf-8", "replace")[-600:])
    return r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")


def test_upgrade_from_an_older_schema_keeps_and_counts_the_data(ctx):
    check(ctx.bin and ctx.conf_path and ctx.repo, "KANJIA_BIN, KANJIA_CONF and KANJIA_REPO are needed")
    all_files = sorted(f for f in os.listdir(os.path.join(ctx.repo, "sql")) if re.fullmatch(r"\d{3}_\w+\.sql", f))
    check(len(all_files) > OLD, "more migrations than the old version had: %r" % all_files)
    db = "kanjia_up_" + secrets.token_hex(4)
    work = tempfile.mkdtemp(prefix="kanjia-migrate-")
    old_dir = os.path.join(work, "sql")
    os.mkdir(old_dir)
    for name in all_files[:OLD]:
        shutil.copy(os.path.join(ctx.repo, "sql", name), old_dir)
    with open(ctx.conf_path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^(db_name|migrations_dir)\s*=.*\n", "", text)
    old_conf = os.path.join(work, "old.conf")
    new_conf = os.path.join(work, "new.conf")
    for path, directory in ((old_conf, old_dir), (new_conf, os.path.join(ctx.repo, "sql"))):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as f:
            f.write(text + "db_name = %s\nmigrations_dir = %s\n" % (db, directory))
    ctx.sql("CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
            "GRANT ALL PRIVILEGES ON %s.* TO 'kanjia'@'localhost'" % (db, db))
    try:
        migrate(ctx, old_conf)
        old_versions = [int(f[:3]) for f in all_files[:OLD]]
        eq([int(r[0]) for r in ctx.sql("SELECT version FROM %s.schema_migration ORDER BY version" % db)],
           old_versions, "the old schema's versions")

        def sql(query):
            return ctx.sql("USE %s; %s" % (db, query))

        sql("INSERT INTO shopper (id, phone, points_balance, created_at) VALUES "
            "(1, '13800000001', 12, '%s'), (2, '13800000002', 0, '%s'), (3, '13800000003', 0, '%s')"
            % (WHEN, WHEN, WHEN))
        sql("INSERT INTO campaign (id, title, starts_at, ends_at, created_at, updated_at) VALUES "
            "(1, '老版本的活动', '2026-01-01', '2026-02-01', '%s', '%s')" % (WHEN, WHEN))
        sql("INSERT INTO campaign_item (id, campaign_id, name, images_json, original_price_fen, floor_price_fen, "
            "stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, "
            "bargains_per_user, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at) VALUES "
            "(1, 1, '老手表', '[]', 30000, 20000, 10, 10, 100, 5000, 3, 3, 1, 86400, 1800, '{}', '%s', '%s')"
            % (WHEN, WHEN))
        # Bargain 1: succeeded (a self-cut and a help); bargain 2: running (a self-cut).
        sql("INSERT INTO bargain (id, campaign_id, item_id, user_id, status, open_slot, share_code, "
            "original_price_fen, floor_price_fen, current_price_fen, cut_total_fen, cuts, helpers, cut_min_fen, "
            "cut_max_fen, self_cuts_per_day, helps_per_user_per_day, pay_within_s, rewards_json, started_at, "
            "expires_at, succeeded_at, succeeded_in_s) VALUES "
            "(1, 1, 1, 1, 'succeeded', 1, 'AAAAAAAAAAAAAAA1', 30000, 20000, 20000, 10000, 2, 1, 100, 5000, 3, 3, "
            "1800, '{}', '%s', '2026-01-11', '%s', 0), "
            "(2, 1, 1, 2, 'active', 1, 'AAAAAAAAAAAAAAA2', 30000, 20000, 29000, 1000, 1, 0, 100, 5000, 3, 3, "
            "1800, '{}', '%s', '2026-01-11', NULL, NULL)" % (WHEN, WHEN, WHEN))
        sql("INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, created_at) "
            "VALUES (1, 1, 1, 'self', 1, NULL, 6000, '%s'), (1, 1, 2, 'help', 1, 3, 4000, '%s'), "
            "(2, 1, 1, 'self', 2, NULL, 1000, '%s')" % (WHEN, WHEN, WHEN))
        sql("INSERT INTO share_open (bargain_id, campaign_id, created_at) VALUES (1, 1, '%s'), (1, 1, '%s'), "
            "(2, 1, '%s')" % (WHEN, WHEN, WHEN))
        sql("INSERT INTO orders (id, user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
            "address_name, address_phone, address_province, address_city, address_district, address_detail, "
            "pay_by, paid_at, created_at, updated_at) VALUES (1, 1, 1, 1, 'paid', 30000, 10000, 20000, '张三', "
            "'13800000001', '浙江省', '杭州市', '西湖区', '文三路 1 号', '%s', '%s', '%s', '%s')"
            % (WHEN, WHEN, WHEN, WHEN))
        sql("UPDATE bargain SET status = 'ordered', open_slot = NULL WHERE id = 1")

        out = migrate(ctx, new_conf)
        newest = int(all_files[-1][:3])
        check("the database is at version %d" % newest in out, "migrate's answer: %r" % out[-300:])
        eq([int(r[0]) for r in ctx.sql("SELECT version FROM %s.schema_migration ORDER BY version" % db)],
           [int(f[:3]) for f in all_files], "every version applied once")
        # The old rows, unchanged.
        eq(sql("SELECT id, phone, points_balance FROM shopper ORDER BY id"),
           [["1", "13800000001", "12"], ["2", "13800000002", "0"], ["3", "13800000003", "0"]], "shoppers")
        eq(sql("SELECT id, status, current_price_fen, cut_total_fen, cuts, helpers FROM bargain ORDER BY id"),
           [["1", "ordered", "20000", "10000", "2", "1"], ["2", "active", "29000", "1000", "1", "0"]], "bargains")
        eq(sql("SELECT SUM(cut_fen), COUNT(*) FROM bargain_cut"), [["11000", "3"]], "cuts")
        eq(sql("SELECT status, total_fen FROM orders"), [["paid", "20000"]], "the order")
        # The new columns, with their defaults.
        eq(sql("SELECT DISTINCT held, signature FROM bargain"), [["0", ""]], "bargain.held and signature")
        eq(sql("SELECT checkout_floor_fen FROM campaign_item"), [["0"]], "campaign_item.checkout_floor_fen")
        eq(sql("SELECT COUNT(*) FROM bargain_cut WHERE price_after_fen IS NULL AND helpers_after IS NULL"),
           [["3"]], "007's columns: unknown for cuts made before it")
        eq(sql("SELECT version FROM fraud_state"), [["1"]], "the fraud rule set")
        # 006's statistics of the old events, in the hour and shop day they happened.
        eq(sql("SELECT COUNT(*) FROM campaign_participant"), [["2"]], "participants: the two initiators")
        eq(sql("SELECT hour_start, local_day, SUM(participants), SUM(bargains_started), SUM(succeeded), "
               "SUM(self_cuts), SUM(helps), SUM(share_opens), SUM(orders), SUM(paid), SUM(paid_fen), "
               "SUM(subsidy_fen), SUM(cancelled), SUM(shipped) FROM campaign_stat WHERE campaign_id = 1 "
               "GROUP BY hour_start, local_day"),
           [[HOUR, "2026-01-10", "2", "2", "1", "2", "1", "3", "1", "1", "20000", "10000", "0", "0"]],
           "the counters of the old events")
        # A second run changes nothing.
        again = migrate(ctx, new_conf)
        check("the database is at version %d" % newest in again, "a second migrate: %r" % again[-300:])
        eq(sql("SELECT SUM(bargains_started) FROM campaign_stat"), [["2"]], "counters after a second migrate")
    finally:
        ctx.sql("DROP DATABASE IF EXISTS %s; REVOKE ALL PRIVILEGES ON %s.* FROM 'kanjia'@'localhost'" % (db, db))
        shutil.rmtree(work, ignore_errors=True)
