-- 010: share opens counted once per visitor (issue 12) and written in
-- batches (issue 13).
--
-- share_open becomes one row per visitor per bargain per shop day: visitor
-- is the device id the client sent ("d:<id>"), else its address
-- ("a:<ip>"); day_start is the shop day's first second (epoch, config time
-- zone); opens counts that visitor's landings that day, at most the
-- per-source bound (bargain/share_count.h). Rows recorded before this
-- migration keep visitor NULL and opens 1: each stays one visitor and one
-- open, so the counters below keep matching the table.
--
-- campaign_stat.share_visitors counts the rows (new visitors) the way
-- share_opens counts SUM(opens).
ALTER TABLE share_open
  ADD COLUMN item_id   BIGINT NULL AFTER campaign_id,
  ADD COLUMN day_start BIGINT NULL AFTER item_id,
  ADD COLUMN visitor   VARBINARY(160) NULL AFTER day_start,
  ADD COLUMN opens     INT NOT NULL DEFAULT 1,
  ADD UNIQUE KEY share_open_visit (bargain_id, day_start, visitor);

ALTER TABLE campaign_stat
  ADD COLUMN share_visitors BIGINT NOT NULL DEFAULT 0 AFTER share_opens;

UPDATE campaign_stat SET share_visitors = share_opens;
