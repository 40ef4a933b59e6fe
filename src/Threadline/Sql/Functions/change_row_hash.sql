-- The canonical hash of a change row (see transaction_row_hash): what seals and the purge log digest.
CREATE OR REPLACE FUNCTION {{schema}}.change_row_hash(
    p_id bigint, p_transaction_id bigint, p_table_schema text, p_table_name text, p_op text, p_row_key jsonb,
    p_data_after jsonb, p_changed_fields text[], p_data_before jsonb, p_captured_at timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_transaction_id, p_table_schema, p_table_name, p_op, p_row_key,
        p_data_after, p_changed_fields, p_data_before, extract(epoch FROM p_captured_at))::text, 'UTF8'));
$fn$;

ALTER FUNCTION {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz) TO {{reader}}, {{retention}};
