\set b random(0, 124999)
-- Drill-down: a transaction of 8 changes (head at offset 8 of a block of 16), by its id.
SELECT * FROM threadline.changes WHERE id = :b * 16 + 9
UNION ALL
SELECT * FROM threadline.changes WHERE tx_id = :b * 16 + 9 AND tx_id <> id
ORDER BY id;
