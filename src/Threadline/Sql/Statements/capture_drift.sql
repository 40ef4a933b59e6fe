-- CaptureManager.FindDriftAsync: each captured table that exists, with its stored keys and options and its columns now.
SELECT ct.table_schema, ct.table_name, ct.key_columns, ct.options::text,
       array(SELECT a.attnum::int FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
       array(SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
  FROM {{schema}}.captured_tables ct
  JOIN pg_catalog.pg_namespace n ON n.nspname = ct.table_schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = ct.table_name AND c.relkind IN ('r', 'p')
