-- 020: every campaign item keeps its price history (issue 14; SPEC §6: a
-- struck-through "was" price must be real).
--
-- One row per change of an item's public unit price (what anyone pays
-- without a bargain, member level or coupon: the list price, or the lowest
-- price a timed discount gives it): price_fen is the price from
-- effective_at until the next row of the item. Rows are written by
-- fcgi/campaign/price_history.c, each by one conditional INSERT ... SELECT
-- that adds nothing when the price in force just before is already that
-- price. A timed discount's window is written when the promotion is
-- created or changed: its opening and closing are rows with a future
-- effective_at; a later change of the promotion replaces the rows still in
-- the future and never touches those already past.
--
-- low_7d_fen is the lowest price in force during the 7 days before
-- effective_at (NULL: nothing recorded then), worked out when the row is
-- written: the struck-through "was" price shown beside price_fen is this,
-- and only when it is above price_fen.
CREATE TABLE item_price_history (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  item_id      BIGINT NOT NULL,
  price_fen    BIGINT NOT NULL,
  low_7d_fen   BIGINT NULL,
  cause        VARCHAR(20) NOT NULL,
  promotion_id BIGINT NULL,
  effective_at DATETIME NOT NULL,
  recorded_at  DATETIME NOT NULL,
  KEY item_price_history_item (item_id, effective_at),
  CONSTRAINT item_price_history_item FOREIGN KEY (item_id) REFERENCES campaign_item (id) ON DELETE CASCADE,
  CONSTRAINT item_price_history_price CHECK (price_fen >= 0 AND (low_7d_fen IS NULL OR low_7d_fen >= 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Items of earlier releases start their history at their list price, from
-- their creation (their timed discounts join at the campaign's next
-- promotion change).
INSERT INTO item_price_history (item_id, price_fen, low_7d_fen, cause, promotion_id, effective_at, recorded_at)
SELECT id, original_price_fen, NULL, 'list', NULL, created_at, created_at FROM campaign_item;
