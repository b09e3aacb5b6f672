-- 025: help_apply (sql/024_round_trips.sql) with less work per help.
--
-- A help spends most of its database time inside the CALL, and there
-- mostly in per-statement costs (parse, fix_fields, optimize of every
-- statement the procedure runs), reads the largest part. The procedure
-- keeps its name, parameters, answers and guards; it runs fewer and
-- cheaper statements:
--
--   * the hot UPDATE keeps what it wrote in user variables (MariaDB runs a
--     single-table UPDATE's assignments left to right on the one row it
--     changes, each expression seeing the columns already assigned, as the
--     UPDATE itself relies on), so the cut row is inserted from them with
--     VALUES and the bargain is not read again: the INSERT ... SELECT FROM
--     bargain and the reload SELECT are gone. The guards are the same: the
--     UPDATE's WHERE (ROW_COUNT() 0: not taken, and the variables are not
--     read), the cut row's unique keys (1062: already helped). The row is
--     still ours until COMMIT, so the values are the row's. p_campaign_id
--     is the bargain's campaign (bargain_store.c sends bargain->campaign_id
--     of the row it loaded; a bargain never changes campaign);
--   * the campaign_stat bumps are inlined (a nested CALL costs a frame and
--     its parameters each time); campaign_stat_bump, which only help_apply
--     called, is dropped;
--   * the milestone loop runs only when there are milestones (the C code
--     sends '[]' for none), and the event's id is taken by the decision's
--     INSERT (LAST_INSERT_ID(): nothing is inserted between them) instead
--     of a SET on every help, most of which have no decision;
--   * the live read (p_live_cuts > 0) sends the helps' list only when the
--     newest p_live_cuts cuts may miss some of the newest p_live_helps helps:
--     with at most p_live_cuts - p_live_helps self-cuts so far (cuts minus
--     helpers) they cannot, and the helps' column is NULL: the C code takes
--     them from the cuts (bargain_live_helps_from_cuts, bargain.c). A
--     self-cut committed between our COMMIT and that read can still crowd
--     helps out; the C code sees it (fewer helps than asked in a full list)
--     and publishes by reading the bargain again, as for any other change.
--
-- Keep the statements in step with bargain_store.c, fraud_store.c,
-- limit.c, reward_store.c and stats_store.c.

DROP PROCEDURE IF EXISTS help_apply;
DROP PROCEDURE IF EXISTS campaign_stat_bump;

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
  DECLARE v_decision_id BIGINT DEFAULT 0;
  DECLARE v_refused INT DEFAULT -1;
  DECLARE v_coupon_id BIGINT DEFAULT 0;
  DECLARE v_ignored BIGINT DEFAULT 0;
  DECLARE v_duplicate TINYINT DEFAULT 0;
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
  IF p_rule_id <> 0 THEN -- the event's id: nothing was inserted since
    INSERT INTO fraud_decision (created_at, event_id, rule_id, scope, field, value_shown, action, user_id,
                                bargain_id, request_id)
    VALUES (TIMESTAMPADD(SECOND, p_now, '1970-01-01'), LAST_INSERT_ID(), p_rule_id, 'help', p_rule_field, p_shown,
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

  -- stats: counted before the hot row is touched (stats_store.c's upsert,
  -- helps)
  INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, helps, succeeded)
  VALUES (p_campaign_id, TIMESTAMPADD(SECOND, p_stat_hour, '1970-01-01'), p_item_id, p_stat_shard, p_stat_day, 1, 0)
  ON DUPLICATE KEY UPDATE helps = helps + VALUES(helps), succeeded = succeeded + VALUES(succeeded);

  -- the hot row: bargain_store.c's take-cut UPDATE, keeping what it wrote
  -- for the cut row and the answer (assignments run left to right)
  UPDATE bargain SET
    last_cut_fen = (@kanjia_help_cut := LEAST(current_price_fen - floor_price_fen, IF(plan IS NULL, p_drawn,
      CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(plan, ',', cuts + 1), ',', -1) AS SIGNED)))),
    current_price_fen = (@kanjia_help_price := current_price_fen - last_cut_fen),
    cut_total_fen = cut_total_fen + last_cut_fen,
    cuts = (@kanjia_help_seq := cuts + 1),
    helpers = (@kanjia_help_helpers := helpers + 1),
    succeeded_at = IF(current_price_fen = floor_price_fen, TIMESTAMPADD(SECOND, p_now, '1970-01-01'), NULL),
    succeeded_in_s = IF(current_price_fen = floor_price_fen,
                        p_now - TIMESTAMPDIFF(SECOND, '1970-01-01', started_at), NULL),
    status = (@kanjia_help_status := IF(current_price_fen = floor_price_fen, 'succeeded', 'active')),
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
    VALUES (p_bargain_id, p_campaign_id, @kanjia_help_seq, 'help', p_helper_id, p_helper_id, @kanjia_help_cut,
            @kanjia_help_price, @kanjia_help_helpers, p_client_ip, NULLIF(p_device, ''),
            TIMESTAMPADD(SECOND, p_now, '1970-01-01'));
  END;
  IF v_duplicate <> 0 THEN
    ROLLBACK;
    SELECT 'already_helped', -1, 0, 0, 0, 0, 0, 0, NULL, NULL;
    LEAVE body;
  END IF;

  -- stats: this cut reached the floor (the upsert, succeeded)
  IF @kanjia_help_status = 'succeeded' THEN
    INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, helps, succeeded)
    VALUES (p_campaign_id, TIMESTAMPADD(SECOND, p_stat_hour, '1970-01-01'), p_item_id, p_stat_shard, p_stat_day, 0, 1)
    ON DUPLICATE KEY UPDATE helps = helps + VALUES(helps), succeeded = succeeded + VALUES(succeeded);
  END IF;

  -- the initiator's rewards due at exactly this helper count
  IF p_milestones IS NOT NULL AND p_milestones <> '[]' THEN
    SET v_count = COALESCE(JSON_LENGTH(p_milestones), 0);
    WHILE v_index < v_count DO
      IF CAST(JSON_VALUE(p_milestones, CONCAT('$[', v_index, '].helpers')) AS SIGNED) = @kanjia_help_helpers THEN
        CALL reward_grant_apply(p_now, p_bargain_id, p_campaign_id,
                                JSON_EXTRACT(p_milestones, CONCAT('$[', v_index, ']')), v_ignored);
      END IF;
      SET v_index = v_index + 1;
    END WHILE;
  END IF;

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
  -- first (live_store.c's read, by the bargain_cut_seq index); the helps
  -- only when the cuts may not hold them (the header above)
  IF p_live_cuts <= 0 THEN
    SELECT 'ok', -1, @kanjia_help_seq, @kanjia_help_cut, @kanjia_help_price, @kanjia_help_helpers, v_coupon_id,
      v_decision_id, NULL, NULL;
  ELSEIF @kanjia_help_seq - @kanjia_help_helpers <= p_live_cuts - p_live_helps THEN
    SELECT 'ok', -1, @kanjia_help_seq, @kanjia_help_cut, @kanjia_help_price, @kanjia_help_helpers, v_coupon_id,
      v_decision_id,
      (SELECT JSON_ARRAYAGG(JSON_ARRAY(t.kind, t.phone, t.cut_fen, t.at) ORDER BY t.seq DESC)
         FROM (SELECT k.seq, k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) AS at
                 FROM bargain_cut k JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = p_bargain_id
                 ORDER BY k.seq DESC LIMIT p_live_cuts) AS t),
      NULL;
  ELSE
    SELECT 'ok', -1, @kanjia_help_seq, @kanjia_help_cut, @kanjia_help_price, @kanjia_help_helpers, v_coupon_id,
      v_decision_id,
      (SELECT JSON_ARRAYAGG(JSON_ARRAY(t.kind, t.phone, t.cut_fen, t.at) ORDER BY t.seq DESC)
         FROM (SELECT k.seq, k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) AS at
                 FROM bargain_cut k JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = p_bargain_id
                 ORDER BY k.seq DESC LIMIT p_live_cuts) AS t),
      (SELECT JSON_ARRAYAGG(JSON_ARRAY(t.kind, t.phone, t.cut_fen, t.at) ORDER BY t.seq DESC)
         FROM (SELECT k.seq, k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) AS at
                 FROM bargain_cut k JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = p_bargain_id
                 AND k.kind = 'help' ORDER BY k.seq DESC LIMIT p_live_helps) AS t);
  END IF;
END;
