\set r random(1, 80021)
\set f random(0, 999999)
-- A page before a time cursor: the time maps to an id through the BRIN (the newest change of the hour before it;
-- max(id + 0), not max(id), so the planner reads the hour through the BRIN instead of walking the primary key back to it).
SELECT id, tx_id, op, table_id, row_key FROM threadline.changes
 WHERE id <= (SELECT max(id + 0) FROM threadline.changes
               WHERE captured_at <= now() - interval '6 months' + interval '6 months' * (:f / 1000000.0)
                 AND captured_at > now() - interval '6 months' + interval '6 months' * (:f / 1000000.0) - interval '1 hour')
 ORDER BY id DESC LIMIT 50;
