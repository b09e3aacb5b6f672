-- 020: the help's writes in one round trip, the order's in one inside its
-- transaction (issue 13).
--
-- The help
-- --------
--
-- The C flow (fcgi/bargain/bargain.c, bargain_help) loads the facts in one
-- read, decides in pure code (the refusals, the signature letter, the
-- anti-fraud verdict, the velocity buckets, the rewards), then calls
-- help_apply() once with what it decided. The procedure only applies those
-- writes, in the order the C code used to send them one by one, inside a
-- transaction of its own, with the guards that keep races out:
--
--   * the anti-fraud event (and the decision and review hold of a review
--     verdict) first;
--   * every rate counter taken by a conditional upsert (hits < max): the
--     first one at its limit rolls everything back and says which;
--   * the helper's reward, once per grant key (a second grant: already
--     helped);
--   * the campaign_stat bump, then the one UPDATE of the hot bargain row
--     (active, inside its window, money left, under the helper cap: else
--     rolled back, not taken), the cut row copied from it (a second help of
--     the same helper: already helped);
--   * the floor reached: the succeeded bump; the initiator's milestone
--     rewards due at exactly the helper count this cut reached.
--
-- It answers one row: outcome ('ok', 'limited', 'not_taken',
-- 'already_helped'), the index of the bucket at its limit, and the cut as
-- the cut row recorded it (seq, cut_fen, price_after_fen, helpers_after),
-- the helper's coupon id (0: none), the decision id (0: none) and, with
-- p_live_cuts > 0, the newest p_live_cuts cuts and p_live_helps helps for
-- the live messages (read after the commit; else NULL). Any SQL
-- error rolls back and is raised again (a deadlock: the caller sends the
-- CALL again). Keep the statements in step with bargain_store.c,
-- fraud_store.c, limit.c, reward_store.c and stats_store.c.

-- One reward under its grant key: the coupon or the prize, then the grant
-- row (a duplicate grant key raises 1062 to the caller).
CREATE PROCEDURE reward_grant_apply(
  IN p_now BIGINT, IN p_bargain_id BIGINT, IN p_campaign_id BIGINT, IN p_reward LONGTEXT CHARACTER SET utf8mb4,
  OUT p_coupon_id BIGINT)
  MODIFIES SQL DATA
BEGIN
  DECLARE v_prize_id BIGINT DEFAULT 0;
  DECLARE v_user_id BIGINT DEFAULT JSON_VALUE(p_reward, '$.user_id');
  DECLARE v_milestone VARCHAR(40) DEFAULT JSON_VALUE(p_reward, '$.milestone');
  SET p_coupon_id = 0;
  IF JSON_VALUE(p_reward, '$.kind') = 'coupon' THEN
    INSERT INTO coupon (user_id, campaign_id, source, title, amount_fen, min_spend_fen, starts_at, expires_at,
                        status, created_at)
    VALUES (v_user_id, p_campaign_id, v_milestone, JSON_VALUE(p_reward, '$.title'),
            JSON_VALUE(p_reward, '$.amount_fen'), JSON_VALUE(p_reward, '$.min_spend_fen'),
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'),
            TIMESTAMPADD(SECOND, JSON_VALUE(p_reward, '$.expires_at'), '1970-01-01'), 'available',
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
    SET p_coupon_id = LAST_INSERT_ID();
  ELSE
    INSERT INTO prize (user_id, campaign_id, bargain_id, title, created_at)
    VALUES (v_user_id, p_campaign_id, p_bargain_id, JSON_VALUE(p_reward, '$.title'),
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
    SET v_prize_id = LAST_INSERT_ID();
  END IF;
  INSERT INTO reward_grant (bargain_id, campaign_id, user_id, milestone, coupon_id, prize_id, created_at)
  VALUES (p_bargain_id, p_campaign_id, v_user_id, v_milestone, NULLIF(p_coupon_id, 0), NULLIF(v_prize_id, 0),
          TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
END;

-- Takes one hit of every bucket of p_limits ([[bucket, window_start, max],
-- ...], limit.c's upsert); p_refused (OUT) is the index of the first at its
-- limit (the hits before it stay taken: the caller rolls back), or -1.
CREATE PROCEDURE rate_counters_take(IN p_limits LONGTEXT CHARACTER SET utf8mb4, OUT p_refused INT)
  MODIFIES SQL DATA
BEGIN
  DECLARE v_index INT DEFAULT 0;
  DECLARE v_count INT DEFAULT COALESCE(JSON_LENGTH(p_limits), 0);
  SET p_refused = -1;
  WHILE v_index < v_count AND p_refused < 0 DO
    INSERT INTO rate_counter (bucket, window_start, hits)
    VALUES (JSON_VALUE(p_limits, CONCAT('$[', v_index, '][0]')),
            CAST(JSON_VALUE(p_limits, CONCAT('$[', v_index, '][1]')) AS SIGNED), 1)
    ON DUPLICATE KEY UPDATE
      hits = IF(window_start = VALUES(window_start),
                IF(hits < CAST(JSON_VALUE(p_limits, CONCAT('$[', v_index, '][2]')) AS SIGNED), hits + 1, hits), 1),
      window_start = VALUES(window_start);
    IF ROW_COUNT() = 0 THEN
      SET p_refused = v_index;
    END IF;
    SET v_index = v_index + 1;
  END WHILE;
END;

-- One campaign_stat bump (stats_store.c's upsert) of helps or succeeded.
CREATE PROCEDURE campaign_stat_bump(
  IN p_campaign_id BIGINT, IN p_hour BIGINT, IN p_item_id BIGINT, IN p_shard BIGINT, IN p_day CHAR(10),
  IN p_helps BIGINT, IN p_succeeded BIGINT)
  MODIFIES SQL DATA
BEGIN
  INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, helps, succeeded)
  VALUES (p_campaign_id, TIMESTAMPADD(SECOND, p_hour, '1970-01-01'), p_item_id, p_shard, p_day, p_helps, p_succeeded)
  ON DUPLICATE KEY UPDATE helps = helps + VALUES(helps), succeeded = succeeded + VALUES(succeeded);
END;

CREATE PROCEDURE help_apply(
  IN p_now BIGINT, IN p_request_id VARCHAR(64),
  IN p_bargain_id BIGINT, IN p_campaign_id BIGINT, IN p_item_id BIGINT, IN p_helper_id BIGINT,
  IN p_client_ip VARCHAR(45), IN p_device VARBINARY(128),
  IN p_drawn BIGINT, IN p_letter VARCHAR(1), IN p_hold TINYINT,
  IN p_event LONGTEXT CHARACTER SET utf8mb4, IN p_rule_id BIGINT, IN p_rule_field VARCHAR(16), IN p_shown VARBINARY(1024),
  IN p_limits LONGTEXT CHARACTER SET utf8mb4,
  IN p_stat_hour BIGINT, IN p_stat_shard BIGINT, IN p_stat_day CHAR(10),
  IN p_helper_reward LONGTEXT CHARACTER SET utf8mb4, IN p_milestones LONGTEXT CHARACTER SET utf8mb4,
  IN p_live_cuts INT, IN p_live_helps INT)
  MODIFIES SQL DATA
body: BEGIN
  DECLARE v_event_id BIGINT DEFAULT 0;
  DECLARE v_decision_id BIGINT DEFAULT 0;
  DECLARE v_refused INT DEFAULT -1;
  DECLARE v_coupon_id BIGINT DEFAULT 0;
  DECLARE v_ignored BIGINT DEFAULT 0;
  DECLARE v_duplicate TINYINT DEFAULT 0;
  DECLARE v_seq, v_cut, v_price_after, v_helpers_after, v_floor BIGINT DEFAULT 0;
  DECLARE v_index, v_count INT DEFAULT 0;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;

  START TRANSACTION;

  -- anti-fraud: the event as fraud_check() records it (the batch shape of
  -- fraud_store.c: text in hex), its decision, a review's hold
  INSERT INTO fraud_event (created_at, scope, action, user_id, bargain_id, phone, client_ip, user_agent,
                           referer, share_code, device, signature, request_id)
  SELECT TIMESTAMPADD(SECOND, j.at, '1970-01-01'), j.scope, j.action, NULLIF(j.user_id, 0), NULLIF(j.bargain_id, 0),
         UNHEX(j.phone), UNHEX(j.ip), UNHEX(j.ua), UNHEX(j.referer), UNHEX(j.code), UNHEX(j.device),
         UNHEX(j.signature), UNHEX(j.request_id)
  FROM JSON_TABLE(p_event, '$[*]' COLUMNS (at BIGINT PATH '$.at', scope VARCHAR(16) PATH '$.scope',
       action VARCHAR(16) PATH '$.action', user_id BIGINT PATH '$.user_id', bargain_id BIGINT PATH '$.bargain_id',
       phone VARCHAR(32) PATH '$.phone', ip VARCHAR(96) PATH '$.ip', ua VARCHAR(2048) PATH '$.ua',
       referer VARCHAR(2048) PATH '$.referer', code VARCHAR(2048) PATH '$.code', device VARCHAR(256) PATH '$.device',
       signature VARCHAR(2048) PATH '$.signature', request_id VARCHAR(128) PATH '$.request_id')) AS j;
  SET v_event_id = LAST_INSERT_ID();
  IF p_rule_id <> 0 THEN
    INSERT INTO fraud_decision (created_at, event_id, rule_id, scope, field, value_shown, action, user_id,
                                bargain_id, request_id)
    VALUES (TIMESTAMPADD(SECOND, p_now, '1970-01-01'), v_event_id, p_rule_id, 'help', p_rule_field, p_shown,
            'review', NULLIF(p_helper_id, 0), NULLIF(p_bargain_id, 0), p_request_id);
    SET v_decision_id = LAST_INSERT_ID();
  END IF;

  -- the velocity limits and the helper's daily limit, all or none
  CALL rate_counters_take(p_limits, v_refused);
  IF v_refused >= 0 THEN
    ROLLBACK;
    SELECT 'limited', v_refused, 0, 0, 0, 0, 0, 0, NULL, NULL;
    LEAVE body;
  END IF;

  IF p_hold <> 0 THEN
    INSERT INTO fraud_review (kind, target_id, decision_id, status, created_at)
    VALUES ('bargain', p_bargain_id, NULLIF(v_decision_id, 0), 'pending', TIMESTAMPADD(SECOND, p_now, '1970-01-01'))
    ON DUPLICATE KEY UPDATE
      decision_id = IF(status = 'released', VALUES(decision_id), decision_id),
      created_at = IF(status = 'released', VALUES(created_at), created_at),
      resolved_at = IF(status = 'released', NULL, resolved_at),
      resolved_by = IF(status = 'released', NULL, resolved_by),
      status = IF(status = 'released', 'pending', status);
  END IF;

  -- the helper's reward, before the hot row is touched
  IF p_helper_reward IS NOT NULL THEN
    BEGIN
      DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = 1;
      CALL reward_grant_apply(p_now, p_bargain_id, p_campaign_id, p_helper_reward, v_coupon_id);
    END;
    IF v_duplicate <> 0 THEN
      ROLLBACK;
      SELECT 'already_helped', -1, 0, 0, 0, 0, 0, 0, NULL, NULL;
      LEAVE body;
    END IF;
  END IF;

  -- stats: counted before the hot row is touched
  CALL campaign_stat_bump(p_campaign_id, p_stat_hour, p_item_id, p_stat_shard, p_stat_day, 1, 0);

  -- the hot row: bargain_store.c's take-cut UPDATE, then the cut row copied
  -- from it under our lock
  UPDATE bargain SET
    last_cut_fen = LEAST(current_price_fen - floor_price_fen, IF(plan IS NULL, p_drawn,
      CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(plan, ',', cuts + 1), ',', -1) AS SIGNED))),
    current_price_fen = current_price_fen - last_cut_fen,
    cut_total_fen = cut_total_fen + last_cut_fen,
    cuts = cuts + 1,
    helpers = helpers + 1,
    succeeded_at = IF(current_price_fen = floor_price_fen, TIMESTAMPADD(SECOND, p_now, '1970-01-01'), NULL),
    succeeded_in_s = IF(current_price_fen = floor_price_fen,
                        p_now - TIMESTAMPDIFF(SECOND, '1970-01-01', started_at), NULL),
    status = IF(current_price_fen = floor_price_fen, 'succeeded', 'active'),
    signature = RIGHT(CONCAT(signature, p_letter), 1000), held = GREATEST(held, p_hold)
  WHERE id = p_bargain_id AND status = 'active' AND current_price_fen > floor_price_fen
    AND expires_at > TIMESTAMPADD(SECOND, p_now, '1970-01-01')
    AND (helps_per_bargain IS NULL OR helpers < helps_per_bargain);
  IF ROW_COUNT() = 0 THEN
    ROLLBACK;
    SELECT 'not_taken', -1, 0, 0, 0, 0, 0, 0, NULL, NULL;
    LEAVE body;
  END IF;
  BEGIN
    DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = 1;
    INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, price_after_fen,
                             helpers_after, client_ip, device, created_at)
    SELECT id, campaign_id, cuts, 'help', p_helper_id, p_helper_id, last_cut_fen, current_price_fen, helpers,
           p_client_ip, NULLIF(p_device, ''), TIMESTAMPADD(SECOND, p_now, '1970-01-01')
    FROM bargain WHERE id = p_bargain_id;
  END;
  IF v_duplicate <> 0 THEN
    ROLLBACK;
    SELECT 'already_helped', -1, 0, 0, 0, 0, 0, 0, NULL, NULL;
    LEAVE body;
  END IF;
  SELECT cuts, last_cut_fen, current_price_fen, helpers, floor_price_fen
    INTO v_seq, v_cut, v_price_after, v_helpers_after, v_floor
    FROM bargain WHERE id = p_bargain_id;

  IF v_price_after = v_floor THEN -- stats: this cut reached the floor
    CALL campaign_stat_bump(p_campaign_id, p_stat_hour, p_item_id, p_stat_shard, p_stat_day, 0, 1);
  END IF;

  -- the initiator's rewards due at exactly this helper count
  SET v_count = COALESCE(JSON_LENGTH(p_milestones), 0);
  WHILE v_index < v_count DO
    IF CAST(JSON_VALUE(p_milestones, CONCAT('$[', v_index, '].helpers')) AS SIGNED) = v_helpers_after THEN
      CALL reward_grant_apply(p_now, p_bargain_id, p_campaign_id,
                              JSON_EXTRACT(p_milestones, CONCAT('$[', v_index, ']')), v_ignored);
    END IF;
    SET v_index = v_index + 1;
  END WHILE;

  -- the request's deadline (db.c sets @kanjia_request_timeout_s on every
  -- connection): a CALL still running when the master has killed its
  -- worker (request_timeout_s) rolls back instead of committing
  IF @kanjia_request_timeout_s > 0
     AND UTC_TIMESTAMP(6) >= TIMESTAMPADD(SECOND, p_now + @kanjia_request_timeout_s, '1970-01-01') THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'kanjia: the request outlived request_timeout_s';
  END IF;
  COMMIT;
  -- after the commit, for the live messages (fcgi/live/live.h): the newest
  -- cuts and helps as JSON arrays of [kind, phone, cut_fen, at], newest
  -- first (live_store.c's read, by the bargain_cut_seq index)
  IF p_live_cuts > 0 THEN
    SELECT 'ok', -1, v_seq, v_cut, v_price_after, v_helpers_after, v_coupon_id, v_decision_id,
      (SELECT JSON_ARRAYAGG(JSON_ARRAY(t.kind, t.phone, t.cut_fen, t.at) ORDER BY t.seq DESC)
         FROM (SELECT k.seq, k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) AS at
                 FROM bargain_cut k JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = p_bargain_id
                 ORDER BY k.seq DESC LIMIT p_live_cuts) AS t),
      (SELECT JSON_ARRAYAGG(JSON_ARRAY(t.kind, t.phone, t.cut_fen, t.at) ORDER BY t.seq DESC)
         FROM (SELECT k.seq, k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) AS at
                 FROM bargain_cut k JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = p_bargain_id
                 AND k.kind = 'help' ORDER BY k.seq DESC LIMIT p_live_helps) AS t);
  ELSE
    SELECT 'ok', -1, v_seq, v_cut, v_price_after, v_helpers_after, v_coupon_id, v_decision_id, NULL, NULL;
  END IF;
END;

-- The order
-- ---------
--
-- The order flow (fcgi/checkout/order.c, order_place) loads the items,
-- the anti-fraud facts and the promotions, decides the price, the verdict
-- and the limits in C, then calls order_apply() once with what it decided.
-- A plain order (no coupon, bargain or discount: order_is_plain) calls it
-- with p_own_transaction, and the procedure starts, rolls back or commits
-- its own transaction; any other runs inside the order's transaction
-- (db_atomic: START TRANSACTION ... COMMIT from C), whose promotions write
-- around the CALL, and a refusal answers its outcome for the C code to
-- roll back. In order:
--
--   * the Idempotency-Key claimed, inside the transaction (a key another
--     order committed: 'duplicate'; one in flight waits on its row lock);
--   * the anti-fraud event, a decision, every rate counter (the first at
--     its limit: 'limited' with its index);
--   * the order row (a second order of one bargain: 'bargain_taken'), a
--     review's or shadow's hold, its lines and discounts, its event, the
--     campaign_stat bump;
--   * the key's stored answer: the answer the C code built from what it
--     wrote, with the new order's id put in front (p_answer_tail is the
--     rest of the object, from its first ',');
--   * with p_reserve (the lines by item id, [[item_id, qty], ...]) the hot
--     rows last: stock_left >= qty or 'out_of_stock'. Without it the C code
--     reserves after its promotions' writes (lock order: coupons before
--     items).
--
-- It answers one row: outcome ('ok', 'duplicate', 'limited',
-- 'bargain_taken', 'out_of_stock'), the limit's index, the order id, the
-- decision id. Keep the statements in step with checkout_store.c,
-- campaign_store.c (stock_reserve), fraud_store.c and stats_store.c.
CREATE PROCEDURE order_apply(
  IN p_now BIGINT, IN p_request_id VARCHAR(64), IN p_user_id BIGINT,
  IN p_key VARCHAR(64), IN p_hash VARBINARY(32),
  IN p_event LONGTEXT CHARACTER SET utf8mb4, IN p_rule_id BIGINT, IN p_rule_field VARCHAR(16), IN p_shown VARBINARY(1024),
  IN p_action VARCHAR(16), IN p_hold TINYINT,
  IN p_limits LONGTEXT CHARACTER SET utf8mb4,
  IN p_order LONGTEXT CHARACTER SET utf8mb4, IN p_lines LONGTEXT CHARACTER SET utf8mb4, IN p_discounts LONGTEXT CHARACTER SET utf8mb4,
  IN p_stat_hour BIGINT, IN p_stat_shard BIGINT, IN p_stat_day CHAR(10),
  IN p_answer_tail LONGTEXT CHARACTER SET utf8mb4, IN p_reserve LONGTEXT CHARACTER SET utf8mb4,
  IN p_own_transaction TINYINT)
  MODIFIES SQL DATA
body: BEGIN
  DECLARE v_duplicate TINYINT DEFAULT 0;
  DECLARE v_event_id, v_decision_id, v_order_id BIGINT DEFAULT 0;
  DECLARE v_refused INT DEFAULT -1;
  DECLARE v_index, v_count INT DEFAULT 0;
  DECLARE v_bargain_id BIGINT DEFAULT NULLIF(CAST(JSON_VALUE(p_order, '$.bargain_id') AS SIGNED), 0);
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF p_own_transaction <> 0 THEN
      ROLLBACK;
    END IF;
    RESIGNAL;
  END;

  IF p_own_transaction <> 0 THEN
    START TRANSACTION;
  END IF;

  -- the key, inside the order's transaction
  BEGIN
    DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = 1;
    INSERT INTO idempotency_key (user_id, idem_key, request_hash, state, claimed_at, created_at)
    VALUES (p_user_id, p_key, p_hash, 'running', TIMESTAMPADD(SECOND, p_now, '1970-01-01'),
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
  END;
  IF v_duplicate <> 0 THEN
    IF p_own_transaction <> 0 THEN
      ROLLBACK;
    END IF;
    SELECT 'duplicate', -1, 0, 0;
    LEAVE body;
  END IF;

  -- anti-fraud: the event (fraud_store.c's batch shape), a decision
  INSERT INTO fraud_event (created_at, scope, action, user_id, bargain_id, phone, client_ip, user_agent,
                           referer, share_code, device, signature, request_id)
  SELECT TIMESTAMPADD(SECOND, j.at, '1970-01-01'), j.scope, j.action, NULLIF(j.user_id, 0), NULLIF(j.bargain_id, 0),
         UNHEX(j.phone), UNHEX(j.ip), UNHEX(j.ua), UNHEX(j.referer), UNHEX(j.code), UNHEX(j.device),
         UNHEX(j.signature), UNHEX(j.request_id)
  FROM JSON_TABLE(p_event, '$[*]' COLUMNS (at BIGINT PATH '$.at', scope VARCHAR(16) PATH '$.scope',
       action VARCHAR(16) PATH '$.action', user_id BIGINT PATH '$.user_id', bargain_id BIGINT PATH '$.bargain_id',
       phone VARCHAR(32) PATH '$.phone', ip VARCHAR(96) PATH '$.ip', ua VARCHAR(2048) PATH '$.ua',
       referer VARCHAR(2048) PATH '$.referer', code VARCHAR(2048) PATH '$.code', device VARCHAR(256) PATH '$.device',
       signature VARCHAR(2048) PATH '$.signature', request_id VARCHAR(128) PATH '$.request_id')) AS j;
  SET v_event_id = LAST_INSERT_ID();
  IF p_rule_id <> 0 THEN
    INSERT INTO fraud_decision (created_at, event_id, rule_id, scope, field, value_shown, action, user_id,
                                bargain_id, request_id)
    VALUES (TIMESTAMPADD(SECOND, p_now, '1970-01-01'), v_event_id, p_rule_id, 'order', p_rule_field, p_shown,
            p_action, NULLIF(p_user_id, 0), v_bargain_id, p_request_id);
    SET v_decision_id = LAST_INSERT_ID();
  END IF;

  CALL rate_counters_take(p_limits, v_refused);
  IF v_refused >= 0 THEN
    IF p_own_transaction <> 0 THEN
      ROLLBACK;
    END IF;
    SELECT 'limited', v_refused, 0, 0;
    LEAVE body;
  END IF;

  -- the order (checkout_store.c's order_insert)
  BEGIN
    DECLARE CONTINUE HANDLER FOR 1062 SET v_duplicate = 1;
    INSERT INTO orders (user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen,
                        address_name, address_phone, address_province, address_city, address_district,
                        address_detail, pay_by, created_at, updated_at)
    VALUES (p_user_id, JSON_VALUE(p_order, '$.campaign_id'), v_bargain_id, 'pending_payment',
            JSON_VALUE(p_order, '$.subtotal_fen'), JSON_VALUE(p_order, '$.discount_fen'),
            JSON_VALUE(p_order, '$.total_fen'), JSON_VALUE(p_order, '$.name'), JSON_VALUE(p_order, '$.phone'),
            JSON_VALUE(p_order, '$.province'), JSON_VALUE(p_order, '$.city'), JSON_VALUE(p_order, '$.district'),
            JSON_VALUE(p_order, '$.detail'),
            TIMESTAMPADD(SECOND, CAST(JSON_VALUE(p_order, '$.pay_by') AS SIGNED), '1970-01-01'),
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'), TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
  END;
  IF v_duplicate <> 0 THEN
    IF p_own_transaction <> 0 THEN
      ROLLBACK;
    END IF;
    SELECT 'bargain_taken', -1, 0, 0;
    LEAVE body;
  END IF;
  SET v_order_id = LAST_INSERT_ID();

  IF p_hold <> 0 THEN -- review and shadow: held for review (fraud_store.c's hold)
    INSERT INTO fraud_review (kind, target_id, decision_id, status, created_at)
    VALUES ('order', v_order_id, NULLIF(v_decision_id, 0), 'pending', TIMESTAMPADD(SECOND, p_now, '1970-01-01'))
    ON DUPLICATE KEY UPDATE
      decision_id = IF(status = 'released', VALUES(decision_id), decision_id),
      created_at = IF(status = 'released', VALUES(created_at), created_at),
      resolved_at = IF(status = 'released', NULL, resolved_at),
      resolved_by = IF(status = 'released', NULL, resolved_by),
      status = IF(status = 'released', 'pending', status);
  END IF;

  INSERT INTO order_line (order_id, item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen)
  SELECT v_order_id, j.item_id, j.name, j.qty, j.unit_price, j.amount, IF(j.bargained, j.bargain_price, NULL)
  FROM JSON_TABLE(p_lines, '$[*]' COLUMNS (n FOR ORDINALITY, item_id BIGINT PATH '$[0]',
       name VARCHAR(200) CHARACTER SET utf8mb4 PATH '$[1]', qty BIGINT PATH '$[2]', unit_price BIGINT PATH '$[3]',
       amount BIGINT PATH '$[4]', bargained INT PATH '$[5]', bargain_price BIGINT PATH '$[6]')) AS j
  ORDER BY j.n;
  INSERT INTO order_discount (order_id, seq, kind, label, amount_fen, coupon_id, promotion_id)
  SELECT v_order_id, j.seq, j.kind, j.label, j.amount, NULLIF(j.coupon_id, 0), NULLIF(j.promotion_id, 0)
  FROM JSON_TABLE(p_discounts, '$[*]' COLUMNS (seq BIGINT PATH '$[0]', kind VARCHAR(32) PATH '$[1]',
       label VARCHAR(200) CHARACTER SET utf8mb4 PATH '$[2]', amount BIGINT PATH '$[3]', coupon_id BIGINT PATH '$[4]',
       promotion_id BIGINT PATH '$[5]')) AS j;
  INSERT INTO order_event (order_id, from_status, to_status, actor, actor_id, note, request_id, created_at)
  VALUES (v_order_id, NULL, 'pending_payment', 'shopper', NULLIF(p_user_id, 0), NULL, p_request_id,
          TIMESTAMPADD(SECOND, p_now, '1970-01-01'));

  -- stats_store.c's stats_order (placed)
  INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, orders, cancelled, paid,
                             paid_fen, subsidy_fen, shipped, refunded, refunded_fen, bargain_orders, bargain_paid)
  SELECT campaign_id, TIMESTAMPADD(SECOND, p_stat_hour, '1970-01-01'), 0, p_stat_shard, p_stat_day, 1, 0, 0, 0, 0,
         0, 0, 0, (bargain_id IS NOT NULL), 0
  FROM orders WHERE id = v_order_id
  ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders), bargain_orders = bargain_orders + VALUES(bargain_orders);

  UPDATE idempotency_key SET state = 'done', response_status = 201,
    response_body = CONCAT('{"id":', v_order_id, p_answer_tail), order_id = v_order_id
  WHERE user_id = p_user_id AND idem_key = p_key AND state = 'running';

  -- last, by item id: the hot rows are locked only until COMMIT
  SET v_count = COALESCE(JSON_LENGTH(p_reserve), 0);
  WHILE v_index < v_count DO
    UPDATE campaign_item
      SET stock_left = stock_left - CAST(JSON_VALUE(p_reserve, CONCAT('$[', v_index, '][1]')) AS SIGNED),
          stock_reserved = stock_reserved + CAST(JSON_VALUE(p_reserve, CONCAT('$[', v_index, '][1]')) AS SIGNED)
    WHERE id = CAST(JSON_VALUE(p_reserve, CONCAT('$[', v_index, '][0]')) AS SIGNED)
      AND stock_left >= CAST(JSON_VALUE(p_reserve, CONCAT('$[', v_index, '][1]')) AS SIGNED);
    IF ROW_COUNT() = 0 THEN
      IF p_own_transaction <> 0 THEN
        ROLLBACK;
      END IF;
      SELECT 'out_of_stock', v_index, 0, 0;
      LEAVE body;
    END IF;
    SET v_index = v_index + 1;
  END WHILE;

  IF p_own_transaction <> 0 THEN
    -- the request's deadline (db.c sets @kanjia_request_timeout_s on every
    -- connection): a CALL still running when the master has killed its
    -- worker (request_timeout_s) rolls back instead of committing
    IF @kanjia_request_timeout_s > 0
       AND UTC_TIMESTAMP(6) >= TIMESTAMPADD(SECOND, p_now + @kanjia_request_timeout_s, '1970-01-01') THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'kanjia: the request outlived request_timeout_s';
    END IF;
    COMMIT;
  END IF;
  SELECT 'ok', -1, v_order_id, v_decision_id;
END;
