-- 002: admins and their audit log; campaigns, items and their rules; bargains,
-- their cuts, share opens, rewards and prizes.

CREATE TABLE admin (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(64) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  roles         SET('operator', 'fulfilment', 'risk', 'owner') NOT NULL,
  token_version INT NOT NULL DEFAULT 0,
  disabled      TINYINT NOT NULL DEFAULT 0,
  created_at    DATETIME NOT NULL,
  UNIQUE KEY admin_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Failed admin logins per username (also for names that do not exist, so
-- the answer does not tell which names do).
CREATE TABLE admin_login_guard (
  username     VARCHAR(64) NOT NULL PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures     INT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every admin write: who, what, before and after.
CREATE TABLE audit_log (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  admin_id    BIGINT NULL,
  action      VARCHAR(64) NOT NULL,
  target_type VARCHAR(32) NOT NULL,
  target_id   BIGINT NULL,
  before_json MEDIUMTEXT NULL,
  after_json  MEDIUMTEXT NULL,
  request_id  VARCHAR(64) NULL,
  created_at  DATETIME NOT NULL,
  KEY audit_log_time (created_at),
  KEY audit_log_target (target_type, target_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE campaign (
  id                     BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title                  VARCHAR(100) NOT NULL,
  starts_at              DATETIME NOT NULL,
  ends_at                DATETIME NOT NULL,
  leaderboard_awarded_at DATETIME NULL,
  created_at             DATETIME NOT NULL,
  updated_at             DATETIME NOT NULL,
  KEY campaign_window (ends_at, starts_at),
  CONSTRAINT campaign_window_forward CHECK (ends_at > starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An item's stock: stock_total = initial + adjustments
--                             = stock_left + stock_reserved + stock_sold.
-- rewards_json holds the item's rewards exactly as API.md names them.
CREATE TABLE campaign_item (
  id                     BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id            BIGINT NOT NULL,
  name                   VARCHAR(100) NOT NULL,
  images_json            TEXT NOT NULL,
  original_price_fen     BIGINT NOT NULL,
  floor_price_fen        BIGINT NOT NULL,
  stock_total            BIGINT NOT NULL,
  stock_left             BIGINT NOT NULL,
  stock_reserved         BIGINT NOT NULL DEFAULT 0,
  stock_sold             BIGINT NOT NULL DEFAULT 0,
  cut_min_fen            BIGINT NOT NULL,
  cut_max_fen            BIGINT NOT NULL,
  target_cuts            INT NULL,
  self_cuts_per_day      INT NOT NULL,
  helps_per_user_per_day INT NOT NULL,
  bargains_per_user      INT NOT NULL,
  helps_per_bargain      INT NULL,
  bargain_ttl_s          INT NOT NULL,
  pay_within_s           INT NOT NULL,
  rewards_json           TEXT NOT NULL,
  created_at             DATETIME NOT NULL,
  updated_at             DATETIME NOT NULL,
  KEY campaign_item_campaign (campaign_id),
  CONSTRAINT campaign_item_campaign FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT campaign_item_prices CHECK (floor_price_fen >= 0 AND original_price_fen > floor_price_fen),
  CONSTRAINT campaign_item_stock CHECK (stock_left >= 0 AND stock_reserved >= 0 AND stock_sold >= 0
    AND stock_total = stock_left + stock_reserved + stock_sold),
  CONSTRAINT campaign_item_cut_range CHECK (cut_min_fen >= 1 AND cut_max_fen >= cut_min_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A bargain copies its item's rules when it starts: a later edit never
-- changes it. open_slot is 1 while the bargain is open (active or succeeded
-- and not yet ordered) and NULL after, so the unique key allows one open
-- bargain per shopper and item. plan is the exact-mode plan, comma-separated
-- fen, derived from a keyed hash of the id (auditable); last_cut_fen is the
-- amount of the newest cut, written first in the cut's single UPDATE.
CREATE TABLE bargain (
  id                     BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id            BIGINT NOT NULL,
  item_id                BIGINT NOT NULL,
  user_id                BIGINT NOT NULL,
  status                 ENUM('active', 'succeeded', 'ordered', 'expired') NOT NULL DEFAULT 'active',
  open_slot              TINYINT NULL DEFAULT 1,
  share_code             CHAR(16) NOT NULL,
  original_price_fen     BIGINT NOT NULL,
  floor_price_fen        BIGINT NOT NULL,
  current_price_fen      BIGINT NOT NULL,
  cut_total_fen          BIGINT NOT NULL DEFAULT 0,
  last_cut_fen           BIGINT NOT NULL DEFAULT 0,
  cuts                   INT NOT NULL DEFAULT 0,
  helpers                INT NOT NULL DEFAULT 0,
  share_opens            INT NOT NULL DEFAULT 0,
  cut_min_fen            BIGINT NOT NULL,
  cut_max_fen            BIGINT NOT NULL,
  target_cuts            INT NULL,
  plan                   TEXT NULL,
  self_cuts_per_day      INT NOT NULL,
  helps_per_user_per_day INT NOT NULL,
  helps_per_bargain      INT NULL,
  pay_within_s           INT NOT NULL,
  rewards_json           TEXT NOT NULL,
  started_at             DATETIME NOT NULL,
  expires_at             DATETIME NOT NULL,
  succeeded_at           DATETIME NULL,
  succeeded_in_s         INT NULL,
  closed_at              DATETIME NULL,
  UNIQUE KEY bargain_share_code (share_code),
  UNIQUE KEY bargain_open (user_id, item_id, open_slot),
  KEY bargain_item_user (item_id, user_id),
  KEY bargain_campaign (campaign_id, status),
  KEY bargain_expiry (status, expires_at),
  KEY bargain_leaderboard (campaign_id, succeeded_in_s, cut_total_fen),
  CONSTRAINT bargain_item FOREIGN KEY (item_id) REFERENCES campaign_item (id),
  CONSTRAINT bargain_user FOREIGN KEY (user_id) REFERENCES shopper (id),
  CONSTRAINT bargain_floor CHECK (current_price_fen >= floor_price_fen),
  CONSTRAINT bargain_sum CHECK (cut_total_fen = original_price_fen - current_price_fen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every cut, self or help. helper_id is the helper for helps and NULL for
-- self-cuts, so the unique key lets each friend help a bargain once.
CREATE TABLE bargain_cut (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bargain_id  BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  seq         INT NOT NULL,
  kind        ENUM('self', 'help') NOT NULL,
  user_id     BIGINT NOT NULL,
  helper_id   BIGINT NULL,
  cut_fen     BIGINT NOT NULL,
  client_ip   VARCHAR(45) NULL,
  created_at  DATETIME NOT NULL,
  UNIQUE KEY bargain_cut_seq (bargain_id, seq),
  UNIQUE KEY bargain_cut_helper (bargain_id, helper_id),
  KEY bargain_cut_campaign (campaign_id, kind, created_at),
  KEY bargain_cut_user (user_id, created_at),
  CONSTRAINT bargain_cut_bargain FOREIGN KEY (bargain_id) REFERENCES bargain (id),
  CONSTRAINT bargain_cut_positive CHECK (cut_fen > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE share_open (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bargain_id  BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  client_ip   VARCHAR(45) NULL,
  created_at  DATETIME NOT NULL,
  KEY share_open_campaign (campaign_id, created_at),
  KEY share_open_bargain (bargain_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Prizes to fulfil (physical gifts, leaderboard prizes).
CREATE TABLE prize (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  bargain_id  BIGINT NULL,
  title       VARCHAR(200) NOT NULL,
  status      ENUM('pending', 'fulfilled') NOT NULL DEFAULT 'pending',
  created_at  DATETIME NOT NULL,
  KEY prize_status (status, created_at),
  KEY prize_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each reward once: the milestone names what earned it ("helpers:5",
-- "help:<helper id>", "rank:1"), unique per bargain.
CREATE TABLE reward_grant (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bargain_id  BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  user_id     BIGINT NOT NULL,
  milestone   VARCHAR(40) NOT NULL,
  coupon_id   BIGINT NULL,
  prize_id    BIGINT NULL,
  created_at  DATETIME NOT NULL,
  UNIQUE KEY reward_grant_once (bargain_id, milestone),
  KEY reward_grant_campaign (campaign_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE coupon
  ADD COLUMN campaign_id BIGINT NULL AFTER user_id,
  ADD COLUMN source VARCHAR(40) NULL AFTER campaign_id;
