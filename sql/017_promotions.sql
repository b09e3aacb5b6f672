-- 017: the promotions resource (issue 14, API.md "Promotions (admin)").
--
-- One row per promotion a campaign holds, of any kind; config_json is the
-- kind's config as the admin sent it (validated by the kind's row of the
-- promotion registry, fcgi/checkout/promotion.c). limit_total and
-- limit_per_user are NULL for no limit.
CREATE TABLE promotion (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id    BIGINT NOT NULL,
  kind           VARCHAR(20) NOT NULL,
  title          VARCHAR(100) NOT NULL,
  starts_at      DATETIME NOT NULL,
  ends_at        DATETIME NOT NULL,
  enabled        TINYINT NOT NULL DEFAULT 1,
  config_json    TEXT NOT NULL,
  limit_total    BIGINT NULL,
  limit_per_user BIGINT NULL,
  created_at     DATETIME NOT NULL,
  updated_at     DATETIME NOT NULL,
  KEY promotion_campaign (campaign_id, enabled),
  CONSTRAINT promotion_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT promotion_window CHECK (ends_at > starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What each order took from each promotion: the promotion's `used` counts
-- (orders not cancelled) and whether it may still be deleted.
CREATE TABLE order_promotion (
  order_id     BIGINT NOT NULL,
  promotion_id BIGINT NOT NULL,
  amount_fen   BIGINT NOT NULL,
  PRIMARY KEY (order_id, promotion_id),
  KEY order_promotion_promotion (promotion_id),
  CONSTRAINT order_promotion_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_promotion_promotion FOREIGN KEY (promotion_id) REFERENCES promotion (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A discount line names its promotion; kinds grow with the registry.
ALTER TABLE order_discount
  MODIFY kind VARCHAR(20) NOT NULL,
  ADD COLUMN promotion_id BIGINT NULL;

-- Bumped on every promotion write of the campaign: a worker's cached
-- promotion config of the campaign is stale when its version differs.
ALTER TABLE campaign
  ADD COLUMN promotion_version BIGINT NOT NULL DEFAULT 0;
