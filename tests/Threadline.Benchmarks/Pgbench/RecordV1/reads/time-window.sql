\set r random(1, 80021)
\set f random(0, 999999)
-- One hour from a random time, newest first: the BRIN on captured_at, then a sort of the hour's changes (id + 0: not
-- a walk of the primary key backwards from the newest change).
SELECT id, tx_id, op, table_id, row_key FROM threadline.changes
 WHERE captured_at >= now() - interval '6 months' + interval '6 months' * (:f / 1000000.0)
   AND captured_at < now() - interval '6 months' + interval '6 months' * (:f / 1000000.0) + interval '1 hour'
 ORDER BY id + 0 DESC LIMIT 50;
