-- Canonical row hash of a change: what seals and the purge log digest. A JSON array of the columns (times as epoch
-- numbers, so no DateStyle or TimeZone setting changes the text); a head's transaction context is part of it, so a
-- forged actor changes a sealed hash. action_id is left out: retention of actions sets it to NULL on purpose.
-- Like every function of the schema, it pins search_path (LeastPrivilegeTests); the price is that it is not inlined.
CREATE OR REPLACE FUNCTION {{schema}}.change_row_hash(
    p_id bigint, p_tx_id bigint, p_captured_at timestamptz, p_table_id integer, p_op "char", p_row_key text,
    p_data_after jsonb, p_data_before jsonb, p_txid xid8, p_started_at timestamptz, p_actor_type text, p_actor_id text,
    p_on_behalf_of_type text, p_on_behalf_of_id text, p_request_id text, p_correlation_id text, p_trace_id text,
    p_job_id text, p_source text, p_context jsonb, p_refused_context jsonb) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_tx_id, extract(epoch FROM p_captured_at), p_table_id, p_op::text, p_row_key,
        p_data_after, p_data_before, p_txid::text, extract(epoch FROM p_started_at), p_actor_type, p_actor_id, p_on_behalf_of_type,
        p_on_behalf_of_id, p_request_id, p_correlation_id, p_trace_id, p_job_id, p_source, p_context, p_refused_context)::text, 'UTF8'));
$fn$;

ALTER FUNCTION {{schema}}.change_row_hash(bigint, bigint, timestamptz, integer, "char", text, jsonb, jsonb, xid8, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.change_row_hash(bigint, bigint, timestamptz, integer, "char", text, jsonb, jsonb, xid8, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.change_row_hash(bigint, bigint, timestamptz, integer, "char", text, jsonb, jsonb, xid8, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb) TO {{reader}}, {{retention}};
