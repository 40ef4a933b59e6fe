-- Parses and validates the transaction's audit context for record_action. '' and NULL mean "no context"; garbage and a
-- context that this transaction did not set (stamp, see context_stamp) fail loudly.
CREATE OR REPLACE FUNCTION {{schema}}.read_context() RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_raw   text := NULLIF(current_setting('threadline.context', true), '');
    v_stamp text;
    v_ctx   jsonb;
    v_type  text;
BEGIN
    IF v_raw IS NULL THEN
        RETURN NULL;
    END IF;
    v_stamp := NULLIF(current_setting('threadline.context_tx', true), '');
    IF v_stamp IS DISTINCT FROM {{schema}}.context_stamp() THEN
        RAISE EXCEPTION 'threadline: the audit context on this connection was not set by this transaction (%)',
                CASE WHEN v_stamp IS NULL THEN 'it has no transaction stamp' ELSE 'it was set by an earlier transaction' END
            USING ERRCODE = 'TL001',
                  HINT = 'Set the context inside each transaction with the Threadline bridges or CALL threadline.set_context(...); never with set_config(..., false) or SET without LOCAL, which outlive the transaction.';
    END IF;
    BEGIN
        v_ctx := v_raw::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'threadline: the audit context in threadline.context is not valid JSON'
            USING ERRCODE = '22023',
                  HINT = 'Set it only through the Threadline bridges or CALL threadline.set_context(AuditContext JSON).';
    END;
    IF jsonb_typeof(v_ctx) <> 'object' OR jsonb_typeof(v_ctx -> 'actor') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'threadline: the audit context must be a JSON object with an "actor" object'
            USING ERRCODE = '22023';
    END IF;
    v_type := v_ctx #>> '{actor,type}';
    IF v_type IS NULL OR v_type NOT IN ('user', 'admin', 'service_account', 'job', 'system', 'anonymous') THEN
        RAISE EXCEPTION 'threadline: unknown actor type "%" in the audit context', coalesce(v_type, '(none)')
            USING ERRCODE = '22023';
    END IF;
    IF v_type <> 'anonymous' AND coalesce(v_ctx #>> '{actor,id}', '') = '' THEN
        RAISE EXCEPTION 'threadline: actor of type "%" has no id in the audit context', v_type
            USING ERRCODE = '22023';
    END IF;
    RETURN v_ctx;
END
$fn$;

ALTER FUNCTION {{schema}}.read_context() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.read_context() FROM PUBLIC;
