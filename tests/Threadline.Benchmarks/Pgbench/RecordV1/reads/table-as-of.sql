\set r random(1, 80021)
\set f random(0, 999999)
-- 1,000 rows of one table as of a time: the time maps to an id bound (BRIN), then one backward probe of
-- changes_row_idx per row for its latest change at or before the bound (a delete: the row did not exist).
SELECT k.key, l.op, l.data_after
  FROM (SELECT max(id + 0) AS bound FROM threadline.changes
         WHERE captured_at <= now() - interval '6 months' + interval '6 months' * (:f / 1000000.0)
           AND captured_at > now() - interval '6 months' + interval '6 months' * (:f / 1000000.0) - interval '1 hour') b
 CROSS JOIN LATERAL (SELECT (:r % 4) + 1 + 4 * g AS key FROM generate_series(0, 999) g) k
 CROSS JOIN LATERAL (SELECT c.op, c.data_after FROM threadline.changes c
                      WHERE c.table_id = (k.key % 4) + 1 AND c.row_key = k.key::text AND c.id <= b.bound
                      ORDER BY c.id DESC LIMIT 1) l;
