-- CoverageChecker: any trigger that calls a function in the audit schema, or carries a capture trigger name.
SELECT n.nspname || '.' || c.relname, t.tgname::text, t.tgenabled <> 'D', p.proname::text
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
 WHERE NOT t.tgisinternal AND (pn.nspname = '{{schema_name}}' OR t.tgname LIKE 'threadline\_capture\_%')
