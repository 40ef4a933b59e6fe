-- Partition mode: drops every range partition whose upper bound is at or before p_cutoff, returning each with its rows
-- per table (and, table key '', its transactions: the heads it holds), and records what it removes (ids and digest of the partition's changes) in purge_log before the DROP.
-- Transactions are expired whole: the later changes of a transaction whose head is in the partition (one that ran
-- across the boundary) are deleted with it, found by changes_tx_idx, and logged the same way.
CREATE OR REPLACE FUNCTION {{schema}}.drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
    v_hash      text := format('%I.change_row_hash(c.id, c.tx_id, c.captured_at, c.table_id, c.op, c.row_key, c.data_after, c.data_before, '
                               'c.txid, c.started_at, c.actor_type, c.actor_id, c.on_behalf_of_type, c.on_behalf_of_id, c.request_id, '
                               'c.correlation_id, c.trace_id, c.job_id, c.source, c.context, c.refused_context)', '{{schema_name}}');
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
        RETURN QUERY EXECUTE format('SELECT %L::text, tb.table_schema || ''.'' || tb.table_name, count(*) FROM %I.%I c JOIN %I.tables tb ON tb.table_id = c.table_id GROUP BY 2',
                                    v_partition.name, '{{schema_name}}', v_partition.name, '{{schema_name}}');
        RETURN QUERY EXECUTE format('SELECT %L::text, ''''::text, count(*) FROM %I.%I h WHERE h.id = h.tx_id',
                                    v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format($sql$
            WITH doomed AS (
                DELETE FROM %1$I.changes c
                 WHERE c.tx_id IN (SELECT h.id FROM %1$I.%2$I h WHERE h.id = h.tx_id) AND c.tx_id <> c.id
                   AND c.tableoid <> %3$L::regclass
                RETURNING c.id, %4$s AS hash)
            INSERT INTO %1$I.purge_log (kind, ids, row_count, digest, reason, detail)
            SELECT 2, range_agg(int8range(d.id, d.id, '[]')), count(*), sha256(string_agg(int8send(d.id) || d.hash, ''::bytea ORDER BY d.id)),
                   'partition', %2$L || ': later changes of its transactions'
              FROM doomed d HAVING count(*) > 0
            $sql$, '{{schema_name}}', v_partition.name, format('%I.%I', '{{schema_name}}', v_partition.name), v_hash);
        EXECUTE format($sql$
            INSERT INTO %1$I.purge_log (kind, ids, row_count, digest, reason, detail)
            SELECT 2, range_agg(int8range(c.id, c.id, '[]')), count(*),
                   sha256(string_agg(int8send(c.id) || %3$s, ''::bytea ORDER BY c.id)),
                   'partition', %2$L
              FROM %1$I.%2$I c HAVING count(*) > 0
            $sql$, '{{schema_name}}', v_partition.name, v_hash);
        EXECUTE format('DROP TABLE %I.%I', '{{schema_name}}', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

ALTER FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.drop_change_partitions_before(timestamptz) TO {{retention}};
