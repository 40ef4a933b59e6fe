-- CoverageChecker: the existing tables that matter to a coverage check: in the required schemas ($1), named ($2),
-- registered for capture, or carrying capture triggers.
SELECT n.nspname || '.' || c.relname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND (n.nspname = ANY ($1) OR n.nspname || '.' || c.relname = ANY ($2)
        OR EXISTS (SELECT FROM {{schema}}.captured_tables ct WHERE ct.table_schema = n.nspname AND ct.table_name = c.relname)
        OR EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname LIKE 'threadline\_capture\_%'))
