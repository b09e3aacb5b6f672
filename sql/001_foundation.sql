-- 001: shoppers, SMS login, rate counters, revoked tokens, the coupon wallet.
-- Times are UTC DATETIMEs (the worker's session runs in '+00:00'); money is
-- BIGINT fen; counters and windows in rate tables are epoch seconds.

CREATE TABLE shopper (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone          CHAR(11) NOT NULL,
  token_version  INT NOT NULL DEFAULT 0,
  blocked        TINYINT NOT NULL DEFAULT 0,
  points_balance BIGINT NOT NULL DEFAULT 0,
  created_at     DATETIME NOT NULL,
  last_login_at  DATETIME NULL,
  UNIQUE KEY shopper_phone (phone),
  CONSTRAINT shopper_points_nonnegative CHECK (points_balance >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Only the HMAC of a code is stored; used_at set once it is spent or burnt.
CREATE TABLE sms_code (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone       CHAR(11) NOT NULL,
  code_digest BINARY(32) NOT NULL,
  created_at  DATETIME NOT NULL,
  expires_at  DATETIME NOT NULL,
  tries       INT NOT NULL DEFAULT 0,
  used_at     DATETIME NULL,
  KEY sms_code_phone (phone, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The outbox SMS provider's messages (API.md).
CREATE TABLE sms_outbox (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone      CHAR(11) NOT NULL,
  body       VARCHAR(255) NOT NULL,
  created_at DATETIME NOT NULL,
  KEY sms_outbox_phone (phone, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per limited thing ("sms:phone:hour:138...", "sms:ip:day:1.2.3.4").
CREATE TABLE rate_counter (
  bucket       VARCHAR(96) NOT NULL PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits         BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Failed logins per phone and the lock they lead to.
CREATE TABLE login_guard (
  phone        CHAR(11) NOT NULL PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures     INT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Tokens refused before their expiry (logout). Rows past expires_at are swept.
CREATE TABLE revoked_token (
  jti        CHAR(32) NOT NULL PRIMARY KEY,
  expires_at DATETIME NOT NULL,
  KEY revoked_token_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE coupon (
  id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT NOT NULL,
  title         VARCHAR(100) NOT NULL,
  amount_fen    BIGINT NOT NULL,
  min_spend_fen BIGINT NOT NULL DEFAULT 0,
  starts_at     DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  status        ENUM('available', 'used') NOT NULL DEFAULT 'available',
  created_at    DATETIME NOT NULL,
  KEY coupon_owner (user_id, status, expires_at),
  CONSTRAINT coupon_user FOREIGN KEY (user_id) REFERENCES shopper (id),
  CONSTRAINT coupon_amount_positive CHECK (amount_fen > 0 AND min_spend_fen >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
