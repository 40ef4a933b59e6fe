\set t random(0, 624999)
SELECT c.id, c.tx_id, c.op, c.table_id, c.row_key
  FROM (SELECT id FROM threadline.changes WHERE correlation_id = 'corr-' || (:t / 3)) h
 CROSS JOIN LATERAL (SELECT * FROM threadline.changes c WHERE c.id = h.id
                     UNION ALL
                     SELECT * FROM threadline.changes c WHERE c.tx_id = h.id AND c.tx_id <> c.id) c
 ORDER BY c.id DESC LIMIT 50;
