-- 008: each applied migration's SHA-256 (of its file, in hex), so that
-- `kanjiad migrate` notices a migration edited after it ran and stops,
-- naming the file. Rows recorded before this column existed get their
-- checksum from the file on the first migrate that finds them empty.
ALTER TABLE schema_migration ADD COLUMN checksum CHAR(64) CHARACTER SET ascii NULL AFTER name;
