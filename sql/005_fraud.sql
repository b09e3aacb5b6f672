-- 005: anti-fraud (SPEC §5): pattern rules and their version, the record of
-- every checked request, decisions, the review queue, and each bargain's
-- share signature, hold flag and where it was started from.
-- The default rule pack is data, not schema: sql/fraud_pack.json, loaded by
-- `kanjiad seed-demo` and POST /api/v1/admin/fraud/rules/pack.

-- field, action and scope as fraud.h names them; pattern is PCRE2 (UTF-8).
-- limit_hits counts matches that hit a match, depth or heap limit (counted
-- as no match), summed from every worker.
CREATE TABLE fraud_rule (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  field       ENUM('phone', 'ip', 'user_agent', 'referer', 'share_code', 'device', 'signature') NOT NULL,
  pattern     VARCHAR(1000) NOT NULL,
  action      ENUM('block', 'review', 'shadow') NOT NULL,
  scope       SET('sms', 'login', 'help', 'share_open', 'order') NOT NULL,
  enabled     TINYINT NOT NULL DEFAULT 1,
  note        VARCHAR(200) NULL,
  pack        VARCHAR(40) NULL,
  limit_hits  BIGINT NOT NULL DEFAULT 0,
  created_at  DATETIME NOT NULL,
  updated_at  DATETIME NOT NULL,
  KEY fraud_rule_pack (pack)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row: every write to fraud_rule raises version in its transaction.
-- Each worker reads it at most once a second and reloads its compiled rule
-- set when it changed.
CREATE TABLE fraud_state (
  id      TINYINT NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  CONSTRAINT fraud_state_one_row CHECK (id = 1)
) ENGINE=InnoDB;
INSERT INTO fraud_state (id, version) VALUES (1, 1);

-- Every request of a fraud scope that reached the rules, with the values the
-- rules look at (cut to 1024 bytes, kept as bytes: headers need not be
-- UTF-8) and the action taken; dry runs replay rules over these rows.
-- signature is the one the rules saw: for a help, the bargain's signature
-- with this help's letter.
CREATE TABLE fraud_event (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at  DATETIME NOT NULL,
  scope       ENUM('sms', 'login', 'help', 'share_open', 'order') NOT NULL,
  action      ENUM('allow', 'review', 'shadow', 'block') NOT NULL,
  user_id     BIGINT NULL,
  bargain_id  BIGINT NULL,
  phone       CHAR(11) NULL,
  client_ip   VARCHAR(45) NULL,
  user_agent  VARBINARY(1024) NULL,
  referer     VARBINARY(1024) NULL,
  share_code  VARBINARY(1024) NULL,
  device      VARBINARY(128) NULL,
  signature   VARBINARY(1024) NULL,
  request_id  VARCHAR(64) NULL,
  KEY fraud_event_time (created_at),
  KEY fraud_event_scope (scope, created_at),
  KEY fraud_event_bargain (bargain_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every decision other than allow: the rule, the value it matched (phones
-- masked), the action and the request.
CREATE TABLE fraud_decision (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at  DATETIME NOT NULL,
  event_id    BIGINT NULL,
  rule_id     BIGINT NULL,
  scope       ENUM('sms', 'login', 'help', 'share_open', 'order') NOT NULL,
  field       VARCHAR(16) NOT NULL,
  value_shown VARBINARY(1024) NOT NULL,
  action      ENUM('review', 'shadow', 'block') NOT NULL,
  user_id     BIGINT NULL,
  bargain_id  BIGINT NULL,
  request_id  VARCHAR(64) NULL,
  KEY fraud_decision_time (created_at),
  KEY fraud_decision_rule (rule_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The review queue: what a review decision held (a bargain, or an order
-- once orders call fraud_hold()), until an admin releases or rejects it.
CREATE TABLE fraud_review (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind        ENUM('bargain', 'order') NOT NULL,
  target_id   BIGINT NOT NULL,
  decision_id BIGINT NULL,
  status      ENUM('pending', 'released', 'rejected') NOT NULL DEFAULT 'pending',
  created_at  DATETIME NOT NULL,
  resolved_at DATETIME NULL,
  resolved_by BIGINT NULL,
  UNIQUE KEY fraud_review_target (kind, target_id),
  KEY fraud_review_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- signature: one letter per help (fraud.h's alphabet), the newest 1000.
-- held: a review decision holds the bargain: it may still be cut, but its
-- success is not ordered (nor ranked) until an admin releases it.
ALTER TABLE bargain
  ADD COLUMN signature VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN held TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN start_ip VARCHAR(45) NULL,
  ADD COLUMN start_device VARBINARY(128) NULL;

ALTER TABLE bargain_cut
  ADD COLUMN device VARBINARY(128) NULL;
