-- 026: the same-device count of a help's facts by an index.
--
-- A help's load (bargain_store.c sql_help_load, and fraud_store.c's facts
-- read) counts the bargain's cuts made from the helper's device. With only
-- the (bargain_id, seq) and (bargain_id, helper_id) keys, the optimizer
-- read every cut of the bargain for it, and on a bargain with a third of
-- the table's cuts it scanned the whole table: on one hot bargain every
-- help cost a read that grew with the helps before it (the launch-day
-- stage H1 spent a third of the database's time there). With this key the
-- count reads only the matching entries; a help without a device (NULL)
-- reads none.

ALTER TABLE bargain_cut ADD KEY bargain_cut_device (bargain_id, device);
