-- RetentionPurger dry run: the changes partitions a purge would drop whole, those whose upper bound is at or before the
-- cutoff ($1); the default partition never.
SELECT c.relname::text FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = to_regclass(format('%I.changes', '{{schema_name}}')) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
   AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= $1
 ORDER BY 1
