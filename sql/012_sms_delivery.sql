-- SMS delivery through a real provider (issue 16). With the provider
-- "outbox" rows stay 'stored' (nothing to send, as before). With aliyun or
-- tencent the login request inserts a 'pending' row and the sender process
-- delivers it: 'sent', 'failed' (refused for good), or 'expired' (the code
-- ran out before any attempt got through). attempts, next_attempt_at and
-- the provider's last answer drive and explain the retries.
ALTER TABLE sms_outbox
  ADD COLUMN provider        VARCHAR(16)  NOT NULL DEFAULT 'outbox',
  ADD COLUMN status          VARCHAR(10)  NOT NULL DEFAULT 'stored',
  ADD COLUMN attempts        INT          NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at DATETIME     NULL,
  ADD COLUMN sent_at         DATETIME     NULL,
  ADD COLUMN provider_ref    VARCHAR(64)  NULL,
  ADD COLUMN provider_answer VARCHAR(255) NULL,
  ADD KEY sms_outbox_due (status, next_attempt_at);
