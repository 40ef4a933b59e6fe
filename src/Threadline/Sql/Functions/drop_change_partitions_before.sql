-- Partition mode: drops every range partition whose upper bound is at or before p_cutoff, returning each with its rows
-- per table, and records what it removes (ids and digest of the partition's changes) in purge_log before the DROP.
CREATE OR REPLACE FUNCTION {{schema}}.drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.relname::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(format('%I.changes', '{{schema_name}}'))
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        CONTINUE WHEN v_partition.upper_bound > p_cutoff;
        RETURN QUERY EXECUTE format('SELECT %L::text, table_schema || ''.'' || table_name, count(*) FROM %I.%I GROUP BY 2',
                                    v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format($sql$
            INSERT INTO %I.purge_log (kind, ids, row_count, digest, reason, detail)
            SELECT 2, range_agg(int8range(c.id, c.id, '[]')), count(*),
                   sha256(string_agg(int8send(c.id) || %I.change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op,
                          c.row_key, c.data_after, c.changed_fields, c.data_before, c.captured_at), ''::bytea ORDER BY c.id)),
                   'partition', %L
              FROM %I.%I c HAVING count(*) > 0
            $sql$, '{{schema_name}}', '{{schema_name}}', v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format('DROP TABLE %I.%I', '{{schema_name}}', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

ALTER FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) TO {{retention}};
