-- Records a semantic action with the actor and ids of the current audit context. It belongs to this transaction's
-- captured changes by (txid, tx_started_at), whether they were written before or after it; it rewrites no change row.
-- Sets the hint threadline.action, so begin_change puts it on the head only when it was recorded before the first write.
CREATE OR REPLACE FUNCTION {{schema}}.record_action(p_name text, p_status text DEFAULT 'ok', p_reason text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_ctx jsonb := {{schema}}.read_context();
    v_id  bigint;
BEGIN
    IF v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: record_action(%) needs an actor, and this transaction has none', p_name
            USING ERRCODE = '42501';
    END IF;
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 200 THEN
        RAISE EXCEPTION 'threadline: an action name must be 1 to 200 characters' USING ERRCODE = '22023';
    END IF;
    INSERT INTO {{schema}}.actions (name, status, reason, actor_type, actor_id, request_id, correlation_id, job_id, trace_id, txid, tx_started_at)
    VALUES (p_name, p_status, p_reason, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}', v_ctx ->> 'request_id',
            v_ctx ->> 'correlation_id', v_ctx ->> 'job_id', v_ctx ->> 'trace_id', pg_current_xact_id(), now())
    RETURNING id INTO v_id;
    PERFORM set_config('threadline.action', pg_current_xact_id()::text, true);
    RETURN v_id;
END
$fn$;

ALTER FUNCTION {{schema}}.record_action(text, text, text) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.record_action(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.record_action(text, text, text) TO {{writer}};
