-- WeChat login (issue 16): the official account's openid of a shopper,
-- bound after the shopper proved both the phone (SMS code) and the WeChat
-- account (an OAuth snsapi_base code), so a returning shopper inside
-- WeChat skips the SMS code. One openid per shopper and per official account.
CREATE TABLE wechat_binding (
  openid     VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY wechat_binding_user (user_id),
  CONSTRAINT wechat_binding_user FOREIGN KEY (user_id) REFERENCES shopper (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
