-- The capture's entry point, called by every generated capture function once per statement: what the statement's
-- changes need from their transaction (capture_head). On a transaction's first write it checks the stamp (a context is
-- used only when it carries this transaction's, docs/capture.md "A context belongs to one transaction"), parses and
-- checks the context, takes the transaction's id (the head change's id) and leaves the transaction-local hint
-- threadline.captured = '<xid>/<head id>/<raw context>'. Later statements read the head by primary key and require its
-- txid to be this transaction's, so a forged hint cannot move a change into another transaction, and attribution
-- always comes from the head, never from the hint. A stale or unstamped context is recorded in refused_context, or
-- refused (TL001) where an actor is required; a different attribution later in the same transaction is refused
-- (TL002); a context that arrives after an unattributed write attributes the transaction (its head).
-- A refusal is not raised here: tx is NULL and refusal says why, and the statement's first row raises it (refuse), so a
-- statement that changes no row is never refused. Only the owner's SECURITY DEFINER capture functions call it; it pins
-- search_path like every function of the schema (LeastPrivilegeTests), at the price of a setting saved and restored per call.
CREATE OR REPLACE FUNCTION {{schema}}.begin_change(p_table text, p_require_actor boolean) RETURNS {{schema}}.capture_head
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_xid     xid8 := pg_catalog.pg_current_xact_id();
    v_raw     text := NULLIF(pg_catalog.current_setting('threadline.context', true), '');
    v_hint    text := pg_catalog.current_setting('threadline.captured', true);
    v_stamp   text;
    v_prefix  text;
    v_rest    text;
    v_slash   integer;
    v_ctx     jsonb;
    v_type    text;
    h         {{schema}}.capture_head;
    v_head    record;
    v_head_id bigint;
BEGIN
    v_prefix := v_xid::text || '/';
    IF v_hint IS NULL OR NOT pg_catalog.starts_with(v_hint, v_prefix) THEN
        -- A transaction's first write with the bridges' context (an actor with a string id and nothing else, stamped by
        -- this transaction): the few expressions of this branch are all it costs.
        v_stamp := pg_catalog.current_setting('threadline.context_tx', true);
        v_ctx := CASE WHEN v_stamp = {{schema}}.context_stamp() AND v_raw LIKE '{"actor":{%}' THEN v_raw::jsonb END;
        IF v_ctx - 'actor' = '{}'::jsonb AND (v_ctx -> 'actor') - '{type,id}'::text[] = '{}'::jsonb
           AND v_ctx #>> '{actor,type}' IN ('user', 'admin', 'service_account', 'job', 'system')
           AND pg_catalog.jsonb_typeof(v_ctx #> '{actor,id}') = 'string' AND v_ctx #>> '{actor,id}' <> ''
           AND pg_catalog.current_setting('threadline.action', true) IS DISTINCT FROM v_xid::text THEN
            h := ROW(pg_catalog.nextval('{{schema}}.change_id'), true, NULL, v_xid, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::{{schema}}.capture_head;
            v_hint := pg_catalog.set_config('threadline.captured', v_prefix || h.tx || '/' || v_raw, true);
            RETURN h;
        END IF;
        v_ctx := NULL;
    ELSE
        v_rest := pg_catalog.substr(v_hint, pg_catalog.length(v_prefix) + 1);
        v_slash := pg_catalog.strpos(v_rest, '/');
        IF v_slash > 1 THEN
            SELECT c.id, c.actor_type, c.actor_id, c.on_behalf_of_type, c.on_behalf_of_id, c.request_id, c.correlation_id,
                   c.trace_id, c.job_id, c.source, c.refused_context
              INTO v_head
              FROM {{schema}}.changes c
             WHERE c.id = pg_catalog.substr(v_rest, 1, v_slash - 1)::bigint AND c.txid = v_xid AND c.started_at = pg_catalog.now()
               AND c.tx_id = c.id;
            IF FOUND THEN
                v_head_id := v_head.id;
                h.tx := v_head.id;
                h.fresh := false;
                h.actor_type := v_head.actor_type;
                h.actor_id := v_head.actor_id;
                IF pg_catalog.substr(v_rest, v_slash + 1) = coalesce(v_raw, '') OR (v_raw IS NULL AND v_head.actor_type IS NOT NULL) THEN
                    -- The common path: the transaction's context as before (or cleared after an attributed write).
                    IF v_head.actor_type IS NULL AND p_require_actor THEN
                        h.tx := NULL;
                        h.refusal := 'actor';
                        h.refused_context := v_head.refused_context;
                    END IF;
                    RETURN h;
                END IF;
            END IF;
        END IF;
    END IF;

    IF v_raw IS NOT NULL THEN
        v_stamp := NULLIF(pg_catalog.current_setting('threadline.context_tx', true), '');
        IF v_stamp IS DISTINCT FROM {{schema}}.context_stamp() THEN
            h.refused_context := pg_catalog.jsonb_build_object('reason', CASE WHEN v_stamp IS NULL THEN 'unstamped' ELSE 'stale' END,
                                                               'context', pg_catalog.left(v_raw, 2000));
        ELSE
            IF v_raw LIKE '{"actor":{%}' THEN
                -- What AuditContext.ToJson writes; malformed JSON of this shape still fails, with PostgreSQL's own 22P02.
                v_ctx := v_raw::jsonb;
            ELSE
                BEGIN
                    v_ctx := v_raw::jsonb;
                EXCEPTION WHEN others THEN
                    RAISE EXCEPTION 'threadline: the audit context in threadline.context is not valid JSON'
                        USING ERRCODE = '22023',
                              HINT = 'Set it only through the Threadline bridges or CALL threadline.set_context(AuditContext JSON).';
                END;
            END IF;
            IF pg_catalog.jsonb_typeof(v_ctx) <> 'object' OR pg_catalog.jsonb_typeof(v_ctx -> 'actor') IS DISTINCT FROM 'object' THEN
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
        END IF;
    END IF;

    IF v_head_id IS NOT NULL THEN
        -- A later statement under a different context than the transaction's earlier writes.
        IF v_head.actor_type IS NOT NULL THEN
            IF v_ctx IS NOT NULL AND
               (v_head.actor_type, v_head.actor_id, v_head.on_behalf_of_type, v_head.on_behalf_of_id, v_head.request_id,
                v_head.correlation_id, v_head.trace_id, v_head.job_id, v_head.source)
               IS DISTINCT FROM
               (v_type, v_ctx #>> '{actor,id}', v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
                v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id', v_ctx ->> 'source') THEN
                RAISE EXCEPTION 'threadline: the audit context changed within a transaction (from % % to % %): one transaction has one actor',
                        v_head.actor_type, v_head.actor_id, v_type, v_ctx #>> '{actor,id}'
                    USING ERRCODE = 'TL002',
                          HINT = 'Write for another actor, request or job in its own transaction.';
            END IF;
            h.refused_context := NULL;
        ELSIF v_ctx IS NOT NULL THEN
            -- A context that arrives after an unattributed write attributes the transaction: its head.
            UPDATE {{schema}}.changes c
               SET actor_type = v_type, actor_id = v_ctx #>> '{actor,id}',
                   on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
                   request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
                   trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source',
                   context = {{schema}}.context_extra(v_ctx)
             WHERE c.id = v_head_id;
            h.actor_type := v_type;
            h.actor_id := v_ctx #>> '{actor,id}';
        ELSE
            IF h.refused_context IS NOT NULL THEN
                UPDATE {{schema}}.changes c SET refused_context = h.refused_context
                 WHERE c.id = v_head_id AND c.refused_context IS NULL;
            END IF;
            IF p_require_actor OR coalesce((SELECT st.require_actor FROM {{schema}}.settings st), false) THEN
                h.tx := NULL;
                h.refusal := 'actor';
            END IF;
        END IF;
        PERFORM pg_catalog.set_config('threadline.captured', v_prefix || v_head_id || '/' || coalesce(v_raw, ''), true);
        RETURN h;
    END IF;

    -- The transaction's first write, other than the bridges' actor-only context. The global setting is read only on the
    -- rare path of a write without context, so it costs attributed writes nothing.
    IF v_ctx IS NULL AND (p_require_actor OR coalesce((SELECT st.require_actor FROM {{schema}}.settings st), false)) THEN
        h.refusal := 'actor';
        RETURN h;
    END IF;
    h.tx := pg_catalog.nextval('{{schema}}.change_id');
    h.fresh := true;
    h.txid := v_xid;
    IF v_ctx IS NOT NULL THEN
        h.actor_type := v_type;
        h.actor_id := v_ctx #>> '{actor,id}';
        h.on_behalf_of_type := v_ctx #>> '{on_behalf_of,type}';
        h.on_behalf_of_id := v_ctx #>> '{on_behalf_of,id}';
        h.request_id := v_ctx ->> 'request_id';
        h.correlation_id := v_ctx ->> 'correlation_id';
        h.trace_id := v_ctx ->> 'trace_id';
        h.job_id := v_ctx ->> 'job_id';
        h.source := v_ctx ->> 'source';
        h.context := {{schema}}.context_extra(v_ctx);
    END IF;
    IF pg_catalog.current_setting('threadline.action', true) = v_xid::text THEN
        SELECT a.id INTO h.action_id FROM {{schema}}.actions a
         WHERE a.txid = v_xid AND a.tx_started_at = pg_catalog.now()
         ORDER BY a.id LIMIT 1;
    END IF;
    PERFORM pg_catalog.set_config('threadline.captured', v_prefix || h.tx || '/' || coalesce(v_raw, ''), true);
    RETURN h;
END
$fn$;

ALTER FUNCTION {{schema}}.begin_change(text, boolean) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.begin_change(text, boolean) FROM PUBLIC;
