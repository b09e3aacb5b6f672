-- 009: failed logins per source (issue 12): per client address, per /24
-- (IPv6 /64) and per device for shopper logins, per address for admin
-- logins, so a guesser is slowed where it guesses from instead of locking
-- the account it aims at. source is "<scope>:<kind>:<value>" (login:ip:...,
-- login:net:..., login:dev:..., admin:ip:...). locked_until is the admin's
-- backoff (0 for shopper sources, whose limit is a count per window).
CREATE TABLE login_source_guard (
  source       VARCHAR(160) NOT NULL PRIMARY KEY,
  window_start BIGINT NOT NULL,
  failures     INT NOT NULL,
  locked_until BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
