-- 011: games in a campaign (API.md "Games"): the lucky wheel, guess the
-- price, auctions. config_json is the admin's config as API.md names it;
-- a wheel's prize stock lives in game_prize so that a spin takes it with
-- one conditional update; every play is a game_play row written before
-- its answer; game_daily counts a shopper's plays per shop day with one
-- conditional upsert, so no race passes spins_per_day.
CREATE TABLE game (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id  BIGINT NOT NULL,
  kind         ENUM('wheel', 'guess_price', 'auction') NOT NULL,
  title        VARCHAR(100) NOT NULL,
  starts_at    DATETIME NOT NULL,
  ends_at      DATETIME NOT NULL,
  config_json  TEXT NOT NULL,
  published_at DATETIME NULL,
  winner_id    BIGINT NULL,
  winning_fen  BIGINT NULL,
  settled_at   DATETIME NULL,
  order_id     BIGINT NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL,
  KEY game_campaign (campaign_id),
  KEY game_settle (settled_at, ends_at),
  CONSTRAINT game_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaign (id),
  CONSTRAINT game_window_forward CHECK (ends_at > starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A wheel prize's stock: given + stock_left = stock_total.
CREATE TABLE game_prize (
  game_id     BIGINT NOT NULL,
  slot        INT NOT NULL,
  stock_total BIGINT NOT NULL,
  stock_left  BIGINT NOT NULL,
  given       BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (game_id, slot),
  CONSTRAINT game_prize_game FOREIGN KEY (game_id) REFERENCES game (id),
  CONSTRAINT game_prize_stock CHECK (stock_left >= 0 AND given >= 0 AND stock_total = stock_left + given)
) ENGINE=InnoDB;

-- Every play: a spin (slot won, NULL: none), a guess or a bid (amount_fen).
-- once_key makes a guess once per shopper and a Dutch take once per game.
CREATE TABLE game_play (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  game_id     BIGINT NOT NULL,
  user_id     BIGINT NOT NULL,
  slot        INT NULL,
  amount_fen  BIGINT NULL,
  coupon_id   BIGINT NULL,
  prize_id    BIGINT NULL,
  points      BIGINT NULL,
  once_key    VARCHAR(40) NULL,
  rewarded_at DATETIME NULL,
  created_at  DATETIME NOT NULL,
  UNIQUE KEY game_play_once (game_id, once_key),
  KEY game_play_user (game_id, user_id),
  KEY game_play_amount (game_id, amount_fen),
  CONSTRAINT game_play_game FOREIGN KEY (game_id) REFERENCES game (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE game_daily (
  game_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  day     BIGINT NOT NULL, -- the shop day's start (clock_day_start), epoch seconds
  plays   INT NOT NULL,
  PRIMARY KEY (game_id, user_id, day)
) ENGINE=InnoDB;

-- Play joins the anti-fraud scopes.
ALTER TABLE fraud_rule MODIFY scope SET('sms', 'login', 'help', 'share_open', 'order', 'play') NOT NULL;
ALTER TABLE fraud_event MODIFY scope ENUM('sms', 'login', 'help', 'share_open', 'order', 'play') NOT NULL;
ALTER TABLE fraud_decision MODIFY scope ENUM('sms', 'login', 'help', 'share_open', 'order', 'play') NOT NULL;

-- Campaigns whose leaderboard prizes were given (the sweeper's mark; each
-- prize itself is once per ranked bargain through reward_grant "rank:N").
CREATE TABLE game_leaderboard_award (
  campaign_id BIGINT NOT NULL PRIMARY KEY,
  awarded_at  DATETIME NOT NULL
) ENGINE=InnoDB;
