-- CaptureManager.ListAsync: every registered table and how many of its capture triggers ($1: their names) are in
-- place, enabled and calling its function in the audit schema.
SELECT ct.table_schema, ct.table_name, ct.function_name, ct.key_columns, ct.options::text, ct.enabled_at, ct.options_changed_at,
       (SELECT count(*)::int FROM pg_catalog.pg_trigger tg
         WHERE tg.tgrelid = to_regclass(quote_ident(ct.table_schema) || '.' || quote_ident(ct.table_name))
           AND tg.tgname = ANY ($1) AND tg.tgenabled <> 'D'
           AND tg.tgfoid = to_regprocedure(format('%I.%I()', '{{schema_name}}', ct.function_name)))
  FROM {{schema}}.captured_tables ct
 ORDER BY 1, 2
