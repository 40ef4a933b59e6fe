-- The canonical hash of a purge-log entry (see change_row_hash).
CREATE OR REPLACE FUNCTION {{schema}}.purge_row_hash(
    p_id bigint, p_txid xid8, p_purged_at timestamptz, p_purged_by text, p_kind smallint, p_ids int8multirange,
    p_row_count bigint, p_digest bytea, p_reason text, p_detail text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_txid::text, extract(epoch FROM p_purged_at), p_purged_by, p_kind,
        p_ids::text, p_row_count, encode(p_digest, 'hex'), p_reason, p_detail)::text, 'UTF8'));
$fn$;

ALTER FUNCTION {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text) TO {{reader}}, {{retention}};
