-- 020: coupon templates, share-to-win and deposit presale (issue 14,
-- API.md "Promotions (admin)", "Presale", "Engagement").
--
-- Orders gain a kind: 'normal', 'deposit' (a presale's deposit, 定金) or
-- 'final' (the final payment that counts the deposit). A paid deposit whose
-- final payment is not paid by the presale's final_ends_at becomes
-- 'forfeited' (定金不退) and its stock goes back.
ALTER TABLE orders
  ADD COLUMN kind ENUM('normal', 'deposit', 'final') NOT NULL DEFAULT 'normal',
  MODIFY status ENUM('pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refunded', 'forfeited')
    NOT NULL DEFAULT 'pending_payment';

-- One row per deposit order: what the final payment may count and until
-- when. final_order_id is the final order standing (pending or paid; set
-- by one conditional UPDATE, so one deposit has at most one, cleared when
-- it is cancelled); final_paid_at is set when it is paid, and then the
-- deposit is never forfeited.
CREATE TABLE presale_deposit (
  deposit_order_id  BIGINT NOT NULL PRIMARY KEY,
  promotion_id      BIGINT NOT NULL,
  user_id           BIGINT NOT NULL,
  item_id           BIGINT NOT NULL,
  qty               INT NOT NULL,
  deposit_fen       BIGINT NOT NULL,
  deposit_value_fen BIGINT NOT NULL,
  final_starts_at   DATETIME NOT NULL,
  final_ends_at     DATETIME NOT NULL,
  final_order_id    BIGINT NULL,
  final_paid_at     DATETIME NULL,
  UNIQUE KEY presale_deposit_final (final_order_id),
  KEY presale_deposit_due (final_paid_at, final_ends_at),
  CONSTRAINT presale_deposit_order FOREIGN KEY (deposit_order_id) REFERENCES orders (id),
  CONSTRAINT presale_deposit_promotion FOREIGN KEY (promotion_id) REFERENCES promotion (id),
  CONSTRAINT presale_deposit_sums CHECK (qty > 0 AND deposit_fen > 0 AND deposit_value_fen >= deposit_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A coupon issued from a coupon template (a promotion of kind 'coupon')
-- names it.
ALTER TABLE coupon
  ADD COLUMN promotion_id BIGINT NULL,
  ADD KEY coupon_promotion (promotion_id);

-- An order placed through a friend's item share link (share_reward,
-- 分享赢券): the sharer earns the template's coupon when the order is paid,
-- once per order (rewarded set by one conditional UPDATE). No foreign key
-- to the promotion: a share_reward no order took may still be deleted.
CREATE TABLE order_share (
  order_id            BIGINT NOT NULL PRIMARY KEY,
  sharer_id           BIGINT NOT NULL,
  promotion_id        BIGINT NOT NULL,
  coupon_promotion_id BIGINT NOT NULL,
  rewarded            TINYINT NOT NULL DEFAULT 0,
  coupon_id           BIGINT NULL,
  KEY order_share_sharer (sharer_id),
  CONSTRAINT order_share_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A campaign's subsidy budget and exclusive pairs (API.md "Promotions
-- (admin)": the campaign's "subsidy_budget_fen" and "exclusive"). No row:
-- no budget, no pairs. subsidy_spent_fen is moved by one conditional
-- UPDATE per order (... WHERE subsidy_budget_fen IS NULL OR
-- subsidy_spent_fen + ? <= subsidy_budget_fen), so no race spends past the
-- budget; order_subsidy says what each order was charged, given back once
-- (returned) when the order is cancelled or refunded.
CREATE TABLE campaign_budget (
  campaign_id        BIGINT NOT NULL PRIMARY KEY,
  subsidy_budget_fen BIGINT NULL,
  subsidy_spent_fen  BIGINT NOT NULL DEFAULT 0,
  exclusive_json     TEXT NULL,
  CONSTRAINT campaign_budget_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT campaign_budget_sums CHECK (subsidy_spent_fen >= 0 AND
                                         (subsidy_budget_fen IS NULL OR subsidy_budget_fen >= 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE order_subsidy (
  order_id    BIGINT NOT NULL PRIMARY KEY,
  campaign_id BIGINT NOT NULL,
  amount_fen  BIGINT NOT NULL,
  returned    TINYINT NOT NULL DEFAULT 0,
  KEY order_subsidy_campaign (campaign_id),
  CONSTRAINT order_subsidy_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_subsidy_positive CHECK (amount_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
