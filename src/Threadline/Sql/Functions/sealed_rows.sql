-- The rows a seal with snapshot p_upto covers after a seal with snapshot p_after (NULL: the first seal), with their
-- hashes: the changes of every transaction whose head's txid became visible in between (the one-head index finds the
-- window by txid; the visibility tests decide it), and the purge-log entries likewise. Kind 1 (the transaction rows of
-- schema version 12) is no longer written: a head carries its transaction and is hashed with it.
CREATE OR REPLACE FUNCTION {{schema}}.sealed_rows(p_after pg_snapshot, p_upto pg_snapshot)
RETURNS TABLE (kind smallint, id bigint, hash bytea)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH head AS (
        SELECT h.id FROM {{schema}}.changes h
         WHERE h.id = h.tx_id AND h.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(h.txid, p_upto)
           AND (p_after IS NULL OR (h.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(h.txid, p_after)))
    ),
    tx AS (
        SELECT c.* FROM head JOIN {{schema}}.changes c ON c.id = head.id
        UNION ALL
        SELECT c.* FROM head JOIN {{schema}}.changes c ON c.tx_id = head.id AND c.tx_id <> c.id
    )
    SELECT 2::smallint, c.id, {{schema}}.change_row_hash(c.id, c.tx_id, c.captured_at, c.table_id, c.op, c.row_key, c.data_after,
               c.data_before, c.txid, c.started_at, c.actor_type, c.actor_id, c.on_behalf_of_type, c.on_behalf_of_id, c.request_id,
               c.correlation_id, c.trace_id, c.job_id, c.source, c.context, c.refused_context)
      FROM tx c
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
