-- 019: engagement (issue 15, API.md "Engagement"): red packets (a reward,
-- written only by fcgi/reward/red_packet_store.c), the shop-wide
-- engagement settings, check-ins, invite codes and invitations, item share
-- links, and the points exchange's offers and exchanges (written only by
-- fcgi/engagement/engagement_store.c).

-- A cash red packet: available until expires_at (the sweeper marks it
-- expired), locked by an order at checkout, used once the order is paid,
-- given back when the order is cancelled.
CREATE TABLE red_packet (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT NOT NULL,
  amount_fen  BIGINT NOT NULL,
  source      VARCHAR(40) NOT NULL,
  status      ENUM('available', 'locked', 'used', 'expired') NOT NULL DEFAULT 'available',
  order_id    BIGINT NULL,
  created_at  DATETIME NOT NULL,
  expires_at  DATETIME NOT NULL,
  used_at     DATETIME NULL,
  KEY red_packet_owner (user_id, status, expires_at),
  KEY red_packet_due (status, expires_at),
  KEY red_packet_order (order_id),
  CONSTRAINT red_packet_user FOREIGN KEY (user_id) REFERENCES shopper (id),
  CONSTRAINT red_packet_amount_positive CHECK (amount_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The shop-wide settings: one row (id 1), the validated JSON of
-- GET/PUT /admin/engagement. No row: the defaults (nothing given).
CREATE TABLE engagement_setting (
  id            TINYINT NOT NULL PRIMARY KEY,
  settings_json TEXT NOT NULL,
  updated_by    BIGINT NULL,
  updated_at    DATETIME NOT NULL,
  CONSTRAINT engagement_setting_one CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One check-in per shopper per shop day (Asia/Shanghai): the key makes a
-- second one at the same moment a duplicate.
CREATE TABLE checkin (
  user_id      BIGINT NOT NULL,
  day          DATE NOT NULL,
  streak       INT NOT NULL,
  points       BIGINT NOT NULL,
  bonus_points BIGINT NOT NULL,
  created_at   DATETIME NOT NULL,
  PRIMARY KEY (user_id, day),
  CONSTRAINT checkin_user FOREIGN KEY (user_id) REFERENCES shopper (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each shopper's invite code, made on first use.
CREATE TABLE invite_code (
  user_id    BIGINT NOT NULL PRIMARY KEY,
  code       VARCHAR(16) NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY invite_code_code (code),
  CONSTRAINT invite_code_user FOREIGN KEY (user_id) REFERENCES shopper (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who invited whom (one inviter per invitee), from where (the invite-ring
-- signature: many invitees of one inviter from one device or subnet; the
-- letter is this invitation's, D same device, S same subnet, H neither), and
-- when the invitee qualified (first paid order): set once.
CREATE TABLE invitation (
  invitee_id   BIGINT NOT NULL PRIMARY KEY,
  inviter_id   BIGINT NOT NULL,
  ip           VARCHAR(45) NOT NULL,
  subnet       VARCHAR(45) NOT NULL,
  device_id    VARCHAR(64) NOT NULL,
  letter       CHAR(1) NOT NULL,
  created_at   DATETIME NOT NULL,
  qualified_at DATETIME NULL,
  order_id     BIGINT NULL,
  KEY invitation_inviter (inviter_id, qualified_at),
  KEY invitation_subnet (inviter_id, subnet),
  KEY invitation_device (inviter_id, device_id),
  CONSTRAINT invitation_invitee FOREIGN KEY (invitee_id) REFERENCES shopper (id),
  CONSTRAINT invitation_inviter FOREIGN KEY (inviter_id) REFERENCES shopper (id),
  CONSTRAINT invitation_not_self CHECK (invitee_id <> inviter_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Share-to-win item links (/p/{code}); the share_reward promotion finds
-- the sharer by code.
CREATE TABLE item_share (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code       VARCHAR(16) NOT NULL,
  user_id    BIGINT NOT NULL,
  item_id    BIGINT NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY item_share_code (code),
  KEY item_share_user (user_id, item_id),
  CONSTRAINT item_share_user FOREIGN KEY (user_id) REFERENCES shopper (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What points buy: a coupon (a template id of issue 14, or a coupon of
-- its own: title and amount), a red packet or a prize. stock_left never
-- below zero; per_user 0: no limit per shopper.
CREATE TABLE points_offer (
  id                  BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title               VARCHAR(100) NOT NULL,
  cost_points         BIGINT NOT NULL,
  stock_total         BIGINT NOT NULL,
  stock_left          BIGINT NOT NULL,
  per_user            INT NOT NULL DEFAULT 0,
  kind                ENUM('coupon', 'red_packet', 'prize') NOT NULL,
  coupon_promotion_id BIGINT NULL,
  coupon_amount_fen   BIGINT NOT NULL DEFAULT 0,
  coupon_min_spend_fen BIGINT NOT NULL DEFAULT 0,
  coupon_valid_days   INT NOT NULL DEFAULT 0,
  red_packet_fen      BIGINT NOT NULL DEFAULT 0,
  red_packet_days     INT NOT NULL DEFAULT 0,
  prize               VARCHAR(200) NULL,
  active              TINYINT NOT NULL DEFAULT 1,
  created_at          DATETIME NOT NULL,
  updated_at          DATETIME NOT NULL,
  CONSTRAINT points_offer_cost_positive CHECK (cost_points > 0),
  CONSTRAINT points_offer_stock CHECK (stock_left >= 0 AND stock_left <= stock_total)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each exchange with what it issued.
CREATE TABLE points_exchange (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  offer_id      BIGINT NOT NULL,
  user_id       BIGINT NOT NULL,
  cost_points   BIGINT NOT NULL,
  coupon_id     BIGINT NULL,
  red_packet_id BIGINT NULL,
  prize_id      BIGINT NULL,
  created_at    DATETIME NOT NULL,
  KEY points_exchange_taken (offer_id, user_id),
  KEY points_exchange_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Anti-fraud: check-in, claim, exchange and invitation are scopes rules can
-- guard (fraud.h's scope list, in the same order).
ALTER TABLE fraud_rule
  MODIFY scope SET('sms', 'login', 'help', 'share_open', 'order', 'play', 'checkin', 'claim', 'exchange', 'invite') NOT NULL;
ALTER TABLE fraud_event
  MODIFY scope ENUM('sms', 'login', 'help', 'share_open', 'order', 'play', 'checkin', 'claim', 'exchange', 'invite') NOT NULL;
ALTER TABLE fraud_decision
  MODIFY scope ENUM('sms', 'login', 'help', 'share_open', 'order', 'play', 'checkin', 'claim', 'exchange', 'invite') NOT NULL;
