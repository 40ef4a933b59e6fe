\set r random(1, 80021)
\set f random(0, 999999)
SELECT id, tx_id, op, row_key FROM threadline.changes WHERE table_id = (:r % 4) + 1 ORDER BY id DESC LIMIT 50;
