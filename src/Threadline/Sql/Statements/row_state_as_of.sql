-- AuditReader.GetStateAsOfAsync: what is known of one row at a point in time.
-- $1 table schema, $2 table name, $3 row key (jsonb), $4 the point in time.
WITH last_change AS (
    SELECT c.id, c.op, coalesce(c.data_after, c.data_before)::text AS image, c.data_after::text AS after, c.captured_at
      FROM {{schema}}.changes c
     WHERE c.table_schema = $1 AND c.table_name = $2 AND c.row_key = $3 AND c.captured_at <= $4
     ORDER BY c.captured_at DESC, c.id DESC LIMIT 1),
truncated AS (
    SELECT c.id, c.captured_at FROM {{schema}}.changes c
     WHERE c.table_schema = $1 AND c.table_name = $2 AND c.op = 'truncate' AND c.captured_at <= $4
     ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)
SELECT (SELECT min(enabled_at) FROM {{schema}}.captured_tables WHERE table_schema = $1 AND table_name = $2),
       (SELECT min(c.captured_at) FROM {{schema}}.changes c WHERE c.table_schema = $1 AND c.table_name = $2),
       l.id, l.op, l.after, l.captured_at, tr.id, tr.captured_at,
       n.op, n.image
  FROM (SELECT 1) one LEFT JOIN last_change l ON true LEFT JOIN truncated tr ON true
  -- The row's first change after the time: an update or delete proves the row existed then, and holds its image.
  LEFT JOIN LATERAL (
      SELECT c.op, CASE c.op WHEN 'update' THEN (c.data_after || coalesce(c.data_before, jsonb_build_object()))::text
                             WHEN 'delete' THEN c.data_before::text END AS image
        FROM {{schema}}.changes c
       WHERE c.table_schema = $1 AND c.table_name = $2 AND c.row_key = $3 AND c.captured_at > $4
       ORDER BY c.captured_at, c.id LIMIT 1) n ON true
