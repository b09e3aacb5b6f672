-- The share-domain pool (API.md, "Share domains") and the WeChat JS-SDK's
-- cached credentials (issue 16).
--
-- New share links use the oldest active, unblocked domain; a domain that
-- WeChat blocks is marked blocked (its old links still reach the pages,
-- which move the visitor to the current domain). No rows: links use the
-- config's public_base_url.
CREATE TABLE share_domain (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  host       VARCHAR(255) NOT NULL,
  active     TINYINT(1) NOT NULL DEFAULT 1,
  blocked    TINYINT(1) NOT NULL DEFAULT 0,
  blocked_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  UNIQUE KEY share_domain_host (host)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- WeChat's access_token and jsapi_ticket, shared by every worker: WeChat
-- limits how often they may be fetched. expires_at is epoch seconds, a
-- margin before WeChat's own expiry.
CREATE TABLE wechat_credential (
  name       VARCHAR(32) NOT NULL PRIMARY KEY,
  value      VARCHAR(512) NOT NULL,
  expires_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
