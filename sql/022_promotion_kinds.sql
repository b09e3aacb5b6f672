-- 020: the promotion kinds gift, points_cash and member_price (issue 14,
-- API.md "Promotions (admin)", "The price of an order").
--
-- promotion_gift counts the units of each gift of a gift promotion
-- (config.gifts[gift_index]) that standing orders took, moved by one
-- conditional statement (... given < stock) when an order takes one and
-- given back once when that order is cancelled or refunded (order_gift
-- .returned). The stock itself stays in the promotion's config, so an
-- admin may raise it while orders run.
CREATE TABLE promotion_gift (
  promotion_id BIGINT NOT NULL,
  gift_index   INT NOT NULL,
  given        BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (promotion_id, gift_index),
  CONSTRAINT promotion_gift_promotion FOREIGN KEY (promotion_id) REFERENCES promotion (id),
  CONSTRAINT promotion_gift_given CHECK (given >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The gifts an order took (its answer's `gifts`).
CREATE TABLE order_gift (
  order_id     BIGINT NOT NULL,
  promotion_id BIGINT NOT NULL,
  gift_index   INT NOT NULL,
  name         VARCHAR(300) NOT NULL,
  returned     TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, promotion_id, gift_index),
  KEY order_gift_promotion (promotion_id, gift_index),
  CONSTRAINT order_gift_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The points an order spent as cash (its answer's `points_used`); the
-- ledger rows are points_ledger's ('points_cash', 'points_cash_returned').
CREATE TABLE order_points_cash (
  order_id   BIGINT NOT NULL PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  points     BIGINT NOT NULL,
  amount_fen BIGINT NOT NULL,
  returned   TINYINT NOT NULL DEFAULT 0,
  CONSTRAINT order_points_cash_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_points_cash_positive CHECK (points > 0 AND amount_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shop-wide member levels: a shopper's level is the highest whose
-- min_paid_fen their paid orders reach.
CREATE TABLE member_level (
  level        INT NOT NULL PRIMARY KEY,
  name         VARCHAR(40) NOT NULL,
  min_paid_fen BIGINT NOT NULL,
  CONSTRAINT member_level_positive CHECK (level > 0 AND min_paid_fen >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
