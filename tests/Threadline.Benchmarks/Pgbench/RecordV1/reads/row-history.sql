\set r random(1, 80021)
\set f random(0, 999999)
SELECT id, tx_id, captured_at, op, data_after, data_before FROM threadline.changes
 WHERE table_id = (:r % 4) + 1 AND row_key = :r::text ORDER BY id DESC LIMIT 50;
