\set r random(1, 80021)
\set f random(0, 999999)
SELECT id, op, data_after FROM threadline.changes
 WHERE table_id = (:r % 4) + 1 AND row_key = :r::text
   AND captured_at <= now() - interval '6 months' + interval '6 months' * (:f / 1000000.0)
 ORDER BY id DESC LIMIT 1;
