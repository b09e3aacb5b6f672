-- 018: the promotion resource's limits as counters no race can pass.
--
-- used_orders counts the standing orders that took a promotion with a
-- limits.total, moved by one conditional UPDATE (... WHERE used_orders <
-- limit_total) when an order takes it and given back when that order is
-- cancelled or refunded (each transition happens once). promotion_user
-- counts the same per shopper for limits.per_user. order_promotion.counted
-- says which of the two an order moved (1: total, 2: per user), so exactly
-- that is given back.
ALTER TABLE promotion
  ADD COLUMN used_orders BIGINT NOT NULL DEFAULT 0,
  ADD CONSTRAINT promotion_used_orders CHECK (used_orders >= 0);

ALTER TABLE order_promotion
  ADD COLUMN counted TINYINT NOT NULL DEFAULT 0;

CREATE TABLE promotion_user (
  promotion_id BIGINT NOT NULL,
  user_id      BIGINT NOT NULL,
  uses         INT NOT NULL DEFAULT 0,
  PRIMARY KEY (promotion_id, user_id),
  CONSTRAINT promotion_user_promotion FOREIGN KEY (promotion_id) REFERENCES promotion (id),
  CONSTRAINT promotion_user_uses CHECK (uses >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
