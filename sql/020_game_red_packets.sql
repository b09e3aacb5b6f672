-- 020: the lucky wheel gives red packets (issue 15): a play that won a
-- red_packet prize names the packet it issued (red_packet, sql/019).
ALTER TABLE game_play
  ADD COLUMN red_packet_id BIGINT NULL AFTER points;
