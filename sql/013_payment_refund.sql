-- Refunds at the payment provider (issue 16): every call the admin refund
-- made to WeChat Pay or Alipay, with the provider's answer. refund_ref is
-- ours and the same for every try on one payment, so a retry is the same
-- refund at the provider, never a second one.
CREATE TABLE payment_refund (
  id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  payment_id         BIGINT NOT NULL,
  provider           VARCHAR(20) NOT NULL,
  refund_ref         VARCHAR(64) NOT NULL,
  provider_refund_id VARCHAR(64) NULL,
  amount_fen         BIGINT NOT NULL,
  outcome            ENUM('accepted', 'refused', 'unavailable') NOT NULL,
  answer             VARCHAR(255) NULL,
  request_id         VARCHAR(64) NULL,
  created_at         DATETIME NOT NULL,
  KEY payment_refund_payment (payment_id),
  CONSTRAINT payment_refund_payment FOREIGN KEY (payment_id) REFERENCES payment (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The provider's own id of a paid payment (WeChat's transaction_id,
-- Alipay's trade_no), kept from the verified notify.
ALTER TABLE payment ADD COLUMN provider_txn VARCHAR(64) NULL;
