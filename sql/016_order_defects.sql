-- 016: issue 14's defects.
--
-- A bargain order that is cancelled gives the bargain back, so the bargain
-- may be ordered again: "one order per bargain, ever" becomes one order per
-- bargain that is not cancelled. bargain_live is the bargain id of an order
-- that still holds it (NULL once cancelled), and is unique; bargain_id keeps
-- a plain key for its foreign key.
ALTER TABLE orders
  ADD KEY orders_bargain_ref (bargain_id),
  DROP KEY orders_bargain,
  ADD COLUMN bargain_live BIGINT AS (IF(status = 'cancelled', NULL, bargain_id)) PERSISTENT,
  ADD UNIQUE KEY orders_bargain_live (bargain_live);

-- Orders complete by themselves some days after shipping: the sweeper's
-- query walks shipped orders by when they shipped.
ALTER TABLE orders
  ADD KEY orders_shipped (status, shipped_at);

-- The dashboard's funnel counts bargain orders against succeeded bargains,
-- not every order of the campaign.
ALTER TABLE campaign_stat
  ADD COLUMN bargain_orders BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN bargain_paid   BIGINT NOT NULL DEFAULT 0;

INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, bargain_orders)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(created_at, '%Y-%m-%d %H:00:00') AS h FROM orders
        WHERE bargain_id IS NOT NULL AND cancelled_at IS NULL) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE bargain_orders = bargain_orders + VALUES(bargain_orders);
INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, bargain_paid)
  SELECT campaign_id, h, 0, 0, DATE(h + INTERVAL 8 HOUR), COUNT(*)
  FROM (SELECT campaign_id, DATE_FORMAT(paid_at, '%Y-%m-%d %H:00:00') AS h FROM orders
        WHERE bargain_id IS NOT NULL AND paid_at IS NOT NULL) o
  GROUP BY campaign_id, h
  ON DUPLICATE KEY UPDATE bargain_paid = bargain_paid + VALUES(bargain_paid);
