-- The rows a seal with snapshot p_upto covers after a seal with snapshot p_after (NULL: the first seal), with their
-- hashes. The xid bounds let the (txid, started_at) index find the window; the visibility tests decide it.
CREATE OR REPLACE FUNCTION {{schema}}.sealed_rows(p_after pg_snapshot, p_upto pg_snapshot)
RETURNS TABLE (kind smallint, id bigint, hash bytea)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH tx AS (
        SELECT t.* FROM {{schema}}.transactions t
         WHERE t.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(t.txid, p_upto)
           AND (p_after IS NULL OR (t.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(t.txid, p_after)))
    )
    SELECT 1::smallint, tx.id, {{schema}}.transaction_row_hash(tx.id, tx.txid, tx.started_at, tx.first_change_at, tx.actor_type,
               tx.actor_id, tx.on_behalf_of_type, tx.on_behalf_of_id, tx.request_id, tx.correlation_id, tx.trace_id,
               tx.job_id, tx.source, tx.context, tx.refused_context)
      FROM tx
    UNION ALL
    SELECT 2::smallint, c.id, {{schema}}.change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op, c.row_key,
               c.data_after, c.changed_fields, c.data_before, c.captured_at)
      FROM tx JOIN {{schema}}.changes c ON c.transaction_id = tx.id
    UNION ALL
    SELECT 3::smallint, p.id, {{schema}}.purge_row_hash(p.id, p.txid, p.purged_at, p.purged_by, p.kind, p.ids, p.row_count,
               p.digest, p.reason, p.detail)
      FROM {{schema}}.purge_log p
     WHERE p.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(p.txid, p_upto)
       AND (p_after IS NULL OR (p.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(p.txid, p_after)));
$fn$;

ALTER FUNCTION {{schema}}.sealed_rows(pg_snapshot, pg_snapshot) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.sealed_rows(pg_snapshot, pg_snapshot) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.sealed_rows(pg_snapshot, pg_snapshot) TO {{reader}}, {{retention}};
