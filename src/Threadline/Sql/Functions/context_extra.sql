-- The context JSON a head keeps: NULL when the columns hold all of it (the bridges' JSON never carries more), else all of it.
CREATE OR REPLACE FUNCTION {{schema}}.context_extra(p_ctx jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE WHEN p_ctx = jsonb_strip_nulls(jsonb_build_object(
                    'actor', jsonb_build_object('type', p_ctx #>> '{actor,type}', 'id', p_ctx #>> '{actor,id}'),
                    'on_behalf_of', CASE WHEN p_ctx ? 'on_behalf_of' THEN jsonb_build_object('type', p_ctx #>> '{on_behalf_of,type}', 'id', p_ctx #>> '{on_behalf_of,id}') END,
                    'request_id', p_ctx ->> 'request_id', 'correlation_id', p_ctx ->> 'correlation_id', 'trace_id', p_ctx ->> 'trace_id',
                    'job_id', p_ctx ->> 'job_id', 'source', p_ctx ->> 'source'))
                THEN NULL ELSE p_ctx END;
$fn$;

ALTER FUNCTION {{schema}}.context_extra(jsonb) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.context_extra(jsonb) FROM PUBLIC;
