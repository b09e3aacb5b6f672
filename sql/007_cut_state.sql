-- 007: each cut row keeps the bargain's price and helper count right after
-- it. The help transaction reads them back with INSERT ... RETURNING
-- instead of a separate read while it holds the hot bargain row, and they
-- let an auditor replay a bargain cut by cut.
ALTER TABLE bargain_cut
  ADD COLUMN price_after_fen BIGINT NULL AFTER cut_fen,
  ADD COLUMN helpers_after INT NULL AFTER price_after_fen;
