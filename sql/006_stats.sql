-- 006: the admin console's numbers (issue 7): campaign counters kept in step
-- with the events, prizes marked fulfilled, and who took part.
--
-- campaign_stat holds counters per campaign, item, UTC hour and shard. Each
-- event adds to one row by one upsert inside the transaction that records
-- the event (stats.c), so the sums over these rows equal counts over the
-- event tables (bargain, bargain_cut, share_open, orders) exactly. The
-- shard is the writing worker's (pid modulo STATS_SHARDS): two workers never
-- wait on the same counter row, and no counter lives on a hot bargain or
-- item row. local_day is the shop's calendar day (config timezone) of the
-- hour, for the daily report. Order counters use item_id 0.
CREATE TABLE campaign_stat (
  campaign_id      BIGINT NOT NULL,
  hour_start       DATETIME NOT NULL,
  item_id          BIGINT NOT NULL,
  shard            SMALLINT NOT NULL,
  local_day        DATE NOT NULL,
  participants     BIGINT NOT NULL DEFAULT 0,
  bargains_started BIGINT NOT NULL DEFAULT 0,
  self_cuts        BIGINT NOT NULL DEFAULT 0,
  helps            BIGINT NOT NULL DEFAULT 0,
  share_opens      BIGINT NOT NULL DEFAULT 0,
  succeeded        BIGINT NOT NULL DEFAULT 0,
  orders           BIGINT NOT NULL DEFAULT 0,
  cancelled        BIGINT NOT NULL DEFAULT 0,
  paid             BIGINT NOT NULL DEFAULT 0,
  paid_fen         BIGINT NOT NULL DEFAULT 0,
  subsidy_fen      BIGINT NOT NULL DEFAULT 0,
  shipped          BIGINT NOT NULL DEFAULT 0,
  refunded         BIGINT NOT NULL DEFAULT 0,
  refunded_fen     BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, hour_start, item_id, shard),
  KEY campaign_stat_day (local_day, campaign_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- A shopper's first bargain in a campaign makes them a participant, once.
CREATE TABLE campaign_participant (
  campaign_id BIGINT NOT NULL,
  user_id     BIGINT NOT NULL,
  created_at  DATETIME NOT NULL,
  PRIMARY KEY (campaign_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

ALTER TABLE prize
  ADD COLUMN fulfilled_at DATETIME NULL,
  ADD COLUMN fulfilled_by BIGINT NULL,
  ADD COLUMN fulfil_note  VARCHAR(200) NULL;

ALTER TABLE orders
  ADD KEY orders_created (created_at);

-- Counters for the events recorded before this migration, in shard 0. The
-- migration does not know the config's time zone: local_day assumes the
-- default, Asia/Shanghai (UTC+8, no daylight saving).
INSERT INTO campaign_participant (campaign_id, user_id, created_at)
  SELECT campaign_id, user_id, MIN(started_at) FROM bargain GROUP BY campaign_id, user_id;

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, participants)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:00:00') AS h FROM campaign_participant) p
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE participants = participants + VALUES(participants);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, bargains_started)
  SELECT campaign_id, h, item_id, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, item_id, DATE_FORMAT(started_at, '%Y-%m-%d %H:00:00') AS h FROM bargain) b
  GROUP BY campaign_id, h, item_id
  ON DUPLICATE KEY UPDATE bargains_started = bargains_started + VALUES(bargains_started);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, succeeded)
  SELECT campaign_id, h, item_id, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, item_id, DATE_FORMAT(succeeded_at, '%Y-%m-%d %H:00:00') AS h FROM bargain
        WHERE succeeded_at IS NOT NULL) b
  GROUP BY campaign_id, h, item_id
  ON DUPLICATE KEY UPDATE succeeded = succeeded + VALUES(succeeded);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, self_cuts, helps)
  SELECT campaign_id, h, item_id, 0, DATE(h + INTERVAL 8 HOUR), SUM(kind = 'self'), SUM(kind = 'help')
  FROM (SELECT k.campaign_id, b.item_id, k.kind, DATE_FORMAT(k.created_at, '%Y-%m-%d %H:00:00') AS h
        FROM bargain_cut k JOIN bargain b ON b.id = k.bargain_id) c
  GROUP BY campaign_id, h, item_id
  ON DUPLICATE KEY UPDATE self_cuts = self_cuts + VALUES(self_cuts), helps = helps + VALUES(helps);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, share_opens)
  SELECT campaign_id, h, item_id, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT o.campaign_id, b.item_id, DATE_FORMAT(o.created_at, '%Y-%m-%d %H:00:00') AS h
        FROM share_open o JOIN bargain b ON b.id = o.bargain_id) s
  GROUP BY campaign_id, h, item_id
  ON DUPLICATE KEY UPDATE share_opens = share_opens + VALUES(share_opens);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, orders)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:00:00') AS h FROM orders) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, cancelled)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(cancelled_at, '%Y-%m-%d %H:00:00') AS h FROM orders
        WHERE cancelled_at IS NOT NULL) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE cancelled = cancelled + VALUES(cancelled);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, paid, paid_fen, subsidy_fen)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*), SUM(total_fen), SUM(subtotal_fen - total_fen)
  FROM (SELECT campaign_id, total_fen, subtotal_fen, DATE_FORMAT(paid_at, '%Y-%m-%d %H:00:00') AS h FROM orders
        WHERE paid_at IS NOT NULL) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE paid = paid + VALUES(paid), paid_fen = paid_fen + VALUES(paid_fen),
    subsidy_fen = subsidy_fen + VALUES(subsidy_fen);

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, shipped)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(shipped_at, '%Y-%m-%d %H:00:00') AS h FROM orders
        WHERE shipped_at IS NOT NULL) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE shipped = shipped + VALUES(shipped);
