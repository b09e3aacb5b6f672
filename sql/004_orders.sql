-- 004: checkout. Orders with their lines, discounts and every state change;
-- idempotency keys; payments and provider notifies; the points ledger;
-- coupon scope and use; the campaign's checkout promotions.
--
-- Stock moves between campaign_item's stock_left, stock_reserved and
-- stock_sold only by conditional UPDATEs (route_order.c): reserve when an
-- order is placed, confirm when it is paid, release when it is cancelled.
-- Each happens exactly once because it rides in the same transaction as the
-- order's own conditional status change.

-- An order's status moves only along
--   pending_payment -> paid -> shipped -> completed
--   pending_payment -> cancelled        (cancel_reason: shopper or timeout)
--   paid            -> refunded
-- each by one UPDATE ... WHERE id = ? AND status = '<from>'.
-- bargain_id is unique: one order per bargain, ever.
CREATE TABLE orders (
  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id          BIGINT NOT NULL,
  campaign_id      BIGINT NOT NULL,
  bargain_id       BIGINT NULL,
  status           ENUM('pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refunded')
                   NOT NULL DEFAULT 'pending_payment',
  subtotal_fen     BIGINT NOT NULL,
  discount_fen     BIGINT NOT NULL,
  total_fen        BIGINT NOT NULL,
  address_name     VARCHAR(60) NOT NULL,
  address_phone    CHAR(11) NOT NULL,
  address_province VARCHAR(60) NOT NULL,
  address_city     VARCHAR(60) NOT NULL,
  address_district VARCHAR(60) NOT NULL,
  address_detail   VARCHAR(300) NOT NULL,
  pay_by           DATETIME NOT NULL,
  paid_at          DATETIME NULL,
  payment_id       BIGINT NULL,
  cancelled_at     DATETIME NULL,
  cancel_reason    ENUM('shopper', 'timeout') NULL,
  shipped_at       DATETIME NULL,
  carrier          VARCHAR(50) NULL,
  tracking_no      VARCHAR(64) NULL,
  completed_at     DATETIME NULL,
  refunded_at      DATETIME NULL,
  created_at       DATETIME NOT NULL,
  updated_at       DATETIME NOT NULL,
  UNIQUE KEY orders_bargain (bargain_id),
  KEY orders_user (user_id, id),
  KEY orders_unpaid (status, pay_by),
  KEY orders_campaign (campaign_id, status),
  CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES shopper (id),
  CONSTRAINT orders_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT orders_bargain FOREIGN KEY (bargain_id) REFERENCES bargain (id),
  CONSTRAINT orders_sums CHECK (subtotal_fen >= 0 AND discount_fen >= 0 AND total_fen >= 0
    AND total_fen = subtotal_fen - discount_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The lines as priced: item, quantity, unit price, and the unit price paid
-- for the bargain unit if there was one. No foreign key to campaign_item on
-- purpose: its check takes a shared lock on the item row, and two orders
-- holding that lock and then both wanting the row for the stock UPDATE
-- deadlock. The order transaction has read the item just before.
CREATE TABLE order_line (
  id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id          BIGINT NOT NULL,
  item_id           BIGINT NOT NULL,
  item_name         VARCHAR(100) NOT NULL,
  qty               INT NOT NULL,
  unit_price_fen    BIGINT NOT NULL,
  amount_fen        BIGINT NOT NULL,
  bargain_price_fen BIGINT NULL,
  UNIQUE KEY order_line_item (order_id, item_id),
  KEY order_line_item_id (item_id),
  CONSTRAINT order_line_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_line_positive CHECK (qty > 0 AND unit_price_fen >= 0 AND amount_fen = qty * unit_price_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every reduction, in the order the engine applied it, with its label: the
-- admin sees why a total is what it is.
CREATE TABLE order_discount (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id   BIGINT NOT NULL,
  seq        INT NOT NULL,
  kind       ENUM('bargain', 'full_reduction', 'coupon') NOT NULL,
  label      VARCHAR(200) NOT NULL,
  amount_fen BIGINT NOT NULL,
  coupon_id  BIGINT NULL,
  UNIQUE KEY order_discount_seq (order_id, seq),
  CONSTRAINT order_discount_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_discount_positive CHECK (amount_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every state change of an order: who (shopper, system, provider, admin),
-- from what, to what.
CREATE TABLE order_event (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id    BIGINT NOT NULL,
  from_status VARCHAR(20) NULL,
  to_status   VARCHAR(20) NOT NULL,
  actor       ENUM('shopper', 'system', 'provider', 'admin') NOT NULL,
  actor_id    BIGINT NULL,
  note        VARCHAR(200) NULL,
  request_id  VARCHAR(64) NULL,
  created_at  DATETIME NOT NULL,
  KEY order_event_order (order_id, id),
  CONSTRAINT order_event_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency-Key per shopper: claimed ('running') before the order's
-- transaction, finished ('done', with the answer) inside it. request_hash
-- is an HMAC of the route and the body's canonical JSON. Swept after
-- idempotency_ttl_s (at least a day).
CREATE TABLE idempotency_key (
  user_id        BIGINT NOT NULL,
  idem_key       VARCHAR(64) NOT NULL,
  request_hash   BINARY(32) NOT NULL,
  state          ENUM('running', 'done') NOT NULL,
  response_status INT NULL,
  response_body  MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  order_id       BIGINT NULL,
  claimed_at     DATETIME NOT NULL,
  created_at     DATETIME NOT NULL,
  PRIMARY KEY (user_id, idem_key),
  KEY idempotency_key_age (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- A payment attempt with a provider. provider_ref is what the provider
-- knows it by (the sandbox's payment_id). status: created, then succeeded
-- once; refund_due when money arrived for an order that cannot take it
-- (cancelled meanwhile, or paid by another payment).
CREATE TABLE payment (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id     BIGINT NOT NULL,
  provider     VARCHAR(20) NOT NULL,
  provider_ref VARCHAR(64) NOT NULL,
  amount_fen   BIGINT NOT NULL,
  status       ENUM('created', 'succeeded', 'refund_due', 'refunded') NOT NULL DEFAULT 'created',
  created_at   DATETIME NOT NULL,
  notified_at  DATETIME NULL,
  UNIQUE KEY payment_ref (provider, provider_ref),
  KEY payment_order (order_id, status),
  CONSTRAINT payment_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every notify whose signature was good, and what it did.
CREATE TABLE payment_notify (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  provider     VARCHAR(20) NOT NULL,
  provider_ref VARCHAR(64) NOT NULL,
  order_id     BIGINT NULL,
  amount_fen   BIGINT NULL,
  reported     VARCHAR(20) NOT NULL,
  outcome      ENUM('paid', 'duplicate', 'refund_due', 'amount_mismatch', 'unknown', 'ignored') NOT NULL,
  request_id   VARCHAR(64) NULL,
  created_at   DATETIME NOT NULL,
  KEY payment_notify_ref (provider, provider_ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every change of a shopper's points, with its reason; balance_after is
-- shopper.points_balance after it (never negative: shopper's CHECK).
CREATE TABLE points_ledger (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT NOT NULL,
  delta         BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  reason        VARCHAR(40) NOT NULL,
  order_id      BIGINT NULL,
  created_at    DATETIME NOT NULL,
  UNIQUE KEY points_ledger_once (order_id, reason),
  KEY points_ledger_user (user_id, id),
  CONSTRAINT points_ledger_user FOREIGN KEY (user_id) REFERENCES shopper (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Full reduction (满减) tiers of a campaign: the best tier reached applies.
CREATE TABLE full_reduction_tier (
  campaign_id   BIGINT NOT NULL,
  min_spend_fen BIGINT NOT NULL,
  off_fen       BIGINT NOT NULL,
  PRIMARY KEY (campaign_id, min_spend_fen),
  CONSTRAINT full_reduction_tier_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT full_reduction_tier_positive CHECK (min_spend_fen >= 0 AND off_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A campaign's checkout rules; no row: one coupon per order, no limit per
-- shopper.
CREATE TABLE campaign_checkout (
  campaign_id              BIGINT NOT NULL PRIMARY KEY,
  coupons_stackable        TINYINT NOT NULL DEFAULT 0,
  coupon_uses_per_customer INT NULL,
  CONSTRAINT campaign_checkout_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT campaign_checkout_limit CHECK (coupon_uses_per_customer IS NULL OR coupon_uses_per_customer > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An item's checkout floor: no promotion takes a unit below it.
ALTER TABLE campaign_item
  ADD COLUMN checkout_floor_fen BIGINT NOT NULL DEFAULT 0,
  ADD CONSTRAINT campaign_item_checkout_floor CHECK (checkout_floor_fen >= 0);

-- A coupon's scope (NULL: shop-wide; else one item) and the order that
-- used it. Using is one conditional UPDATE (status 'available' -> 'used'),
-- giving back the reverse one when the order is cancelled.
ALTER TABLE coupon
  ADD COLUMN item_id BIGINT NULL,
  ADD COLUMN order_id BIGINT NULL,
  ADD COLUMN used_at DATETIME NULL,
  ADD KEY coupon_order (order_id);
