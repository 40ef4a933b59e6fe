-- seal k = H(seal k-1 || digest of its rows || its identity, time, snapshot and row counts).
CREATE OR REPLACE FUNCTION {{schema}}.seal_hash(
    p_previous_hash bytea, p_digest bytea, p_id bigint, p_previous_id bigint, p_sealed_at timestamptz, p_snapshot pg_snapshot,
    p_transactions bigint, p_changes bigint, p_purges bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(p_previous_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || p_digest
                  || convert_to(jsonb_build_array(p_id, p_previous_id, extract(epoch FROM p_sealed_at), p_snapshot::text,
                                                  p_transactions, p_changes, p_purges)::text, 'UTF8'));
$fn$;

ALTER FUNCTION {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint) TO {{reader}}, {{retention}};
