-- AuditReader.GetStateAsOfAsync: what is known of one row at a point in time.
-- $1 table schema, $2 table name, $3 row key (jsonb), $4 the point in time. The key's stored text is built as capture
-- builds it (AuditSql.RowKeyText), from the table's key columns in the registry, so a dropped table's rows are found too.
WITH tb AS (SELECT t.table_id, t.key_columns FROM {{schema}}.tables t WHERE t.table_schema = $1 AND t.table_name = $2),
k AS (SELECT tb.table_id,
             (CASE WHEN cardinality(tb.key_columns) = 1 THEN $3::jsonb ->> tb.key_columns[1]
                   ELSE (SELECT jsonb_agg($3::jsonb -> u.k ORDER BY u.o) FROM unnest(tb.key_columns) WITH ORDINALITY u(k, o))::text END) COLLATE "C" AS row_key
        FROM tb),
last_change AS (
    SELECT c.id, c.op, c.data_after::text AS after, c.captured_at
      FROM k JOIN {{schema}}.changes c ON c.table_id = k.table_id AND c.row_key = k.row_key
     WHERE c.captured_at <= $4
     ORDER BY c.captured_at DESC, c.id DESC LIMIT 1),
truncated AS (
    SELECT c.id, c.captured_at FROM tb JOIN {{schema}}.changes c ON c.table_id = tb.table_id
     WHERE c.op = 't' AND c.captured_at <= $4
     ORDER BY c.captured_at DESC, c.id DESC LIMIT 1)
SELECT (SELECT min(enabled_at) FROM {{schema}}.captured_tables WHERE table_schema = $1 AND table_name = $2),
       (SELECT min(c.captured_at) FROM tb JOIN {{schema}}.changes c ON c.table_id = tb.table_id),
       l.id, CASE l.op WHEN 'i' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 'b' THEN 'baseline' END,
       l.after, l.captured_at, tr.id, tr.captured_at,
       CASE n.op WHEN 'i' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 'b' THEN 'baseline' END, n.image
  FROM (SELECT 1) one LEFT JOIN last_change l ON true LEFT JOIN truncated tr ON true
  -- The row's first change after the time: an update or delete proves the row existed then, and holds its image.
  LEFT JOIN LATERAL (
      SELECT c.op, CASE c.op WHEN 'u' THEN (c.data_after || coalesce(c.data_before, jsonb_build_object()))::text
                             WHEN 'd' THEN c.data_before::text END AS image
        FROM k JOIN {{schema}}.changes c ON c.table_id = k.table_id AND c.row_key = k.row_key
       WHERE c.captured_at > $4
       ORDER BY c.captured_at, c.id LIMIT 1) n ON true
