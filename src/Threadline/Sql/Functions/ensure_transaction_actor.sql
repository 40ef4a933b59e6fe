-- The capture's entry point: finds or creates the current transaction's audit row and returns its id and actor, which
-- the capture copies onto each change row. A context is used only when it carries this transaction's stamp
-- (docs/capture.md, "A context belongs to one transaction"); a stale or unstamped one is recorded in refused_context,
-- or refused (TL001) where an actor is required. One transaction, one actor: a different attribution later in the same
-- transaction is refused (TL002); a context that arrives after an unattributed write attributes the transaction and
-- its earlier change rows. The transaction-local hint threadline.captured ('<txid>/<context text>') only selects the
-- lookup; it is never trusted for attribution.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_transaction_actor(p_table text, p_require_actor boolean) RETURNS {{schema}}.capture_transaction
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_xid       xid8 := pg_current_xact_id();
    v_raw       text := NULLIF(current_setting('threadline.context', true), '');
    v_hint      text := current_setting('threadline.captured', true);
    v_prefix    text;
    v_exists    boolean := false;
    v_id        bigint;
    v_row       record;
    v_stamp     text;
    v_refused   jsonb;
    v_ctx       jsonb;
    v_type      text;
    v_action    bigint;
    v_extra     jsonb;
BEGIN
    v_prefix := v_xid::text || '/';
    IF starts_with(v_hint, v_prefix) THEN
        SELECT t.id, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id, t.request_id,
               t.correlation_id, t.trace_id, t.job_id, t.source
          INTO v_row
          FROM {{schema}}.transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        IF FOUND THEN
            v_exists := true;
            v_id := v_row.id;
            IF substr(v_hint, length(v_prefix) + 1) = coalesce(v_raw, '') THEN
                -- The common path: the same context as the transaction's earlier writes.
                IF v_row.actor_type IS NOT NULL OR NOT p_require_actor THEN
                    RETURN ROW(v_id, v_row.actor_type, v_row.actor_id);
                END IF;
            ELSIF v_raw IS NULL AND v_row.actor_type IS NOT NULL THEN
                -- The context was cleared after an attributed write: the transaction keeps its actor.
                RETURN ROW(v_id, v_row.actor_type, v_row.actor_id);
            END IF;
        END IF;
    END IF;

    IF v_raw IS NOT NULL THEN
        v_stamp := NULLIF(current_setting('threadline.context_tx', true), '');
        IF v_stamp IS DISTINCT FROM {{schema}}.context_stamp() THEN
            v_refused := jsonb_build_object('reason', CASE WHEN v_stamp IS NULL THEN 'unstamped' ELSE 'stale' END,
                                            'context', left(v_raw, 2000));
        END IF;
    END IF;

    -- The checks of read_context(), inline: one function call less on every first write.
    IF v_raw IS NOT NULL AND v_refused IS NULL THEN
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
        -- transactions.context keeps the JSON only when it carries more than the columns hold (the bridges' never does).
        v_extra := CASE WHEN v_ctx = jsonb_strip_nulls(jsonb_build_object(
                            'actor', jsonb_build_object('type', v_ctx #>> '{actor,type}', 'id', v_ctx #>> '{actor,id}'),
                            'on_behalf_of', CASE WHEN v_ctx ? 'on_behalf_of' THEN jsonb_build_object('type', v_ctx #>> '{on_behalf_of,type}', 'id', v_ctx #>> '{on_behalf_of,id}') END,
                            'request_id', v_ctx ->> 'request_id', 'correlation_id', v_ctx ->> 'correlation_id', 'trace_id', v_ctx ->> 'trace_id',
                            'job_id', v_ctx ->> 'job_id', 'source', v_ctx ->> 'source'))
                        THEN NULL ELSE v_ctx END;
    END IF;

    IF NOT v_exists THEN
        -- The global setting is read only on the rare path of a write without context, so it costs attributed writes nothing.
        IF v_ctx IS NULL AND NOT p_require_actor THEN
            SELECT s.require_actor INTO p_require_actor FROM {{schema}}.settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor AND v_ctx IS NULL THEN
            PERFORM {{schema}}.refuse_write(p_table, v_refused);
        END IF;
        IF current_setting('threadline.action', true) = v_xid::text THEN
            SELECT a.id INTO v_action FROM {{schema}}.actions a
             WHERE a.txid = v_xid AND a.tx_started_at = now()
             ORDER BY a.id LIMIT 1;
        END IF;
        INSERT INTO {{schema}}.transactions AS t
            (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
             request_id, correlation_id, trace_id, job_id, source, context, action_id, refused_context)
        VALUES
            (v_xid, now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
             v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
             v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id',
             v_ctx ->> 'source', v_extra, v_action, v_refused)
        ON CONFLICT (txid, started_at) DO NOTHING
        RETURNING t.id INTO v_id;
        PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
        IF v_id IS NOT NULL THEN
            RETURN ROW(v_id, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}');
        END IF;
        -- The hint had been cleared by hand: the row exists already.
        SELECT t.id, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id, t.request_id,
               t.correlation_id, t.trace_id, t.job_id, t.source
          INTO v_row
          FROM {{schema}}.transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        v_id := v_row.id;
    END IF;

    -- The transaction's row exists.
    IF v_row.actor_type IS NOT NULL THEN
        IF v_ctx IS NOT NULL AND
           (v_row.actor_type, v_row.actor_id, v_row.on_behalf_of_type, v_row.on_behalf_of_id, v_row.request_id,
            v_row.correlation_id, v_row.trace_id, v_row.job_id, v_row.source)
           IS DISTINCT FROM
           (v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}', v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
            v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id', v_ctx ->> 'source') THEN
            RAISE EXCEPTION 'threadline: the audit context changed within a transaction (from % % to % %): one transaction has one actor',
                    v_row.actor_type, v_row.actor_id, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}'
                USING ERRCODE = 'TL002',
                      HINT = 'Write for another actor, request or job in its own transaction.';
        END IF;
        PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
        RETURN ROW(v_id, v_row.actor_type, v_row.actor_id);
    END IF;

    IF v_ctx IS NULL THEN
        IF NOT p_require_actor THEN
            SELECT s.require_actor INTO p_require_actor FROM {{schema}}.settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor THEN
            PERFORM {{schema}}.refuse_write(p_table, v_refused);
        END IF;
        IF v_refused IS NOT NULL THEN
            UPDATE {{schema}}.transactions t SET refused_context = v_refused
             WHERE t.id = v_id AND t.refused_context IS NULL;
        END IF;
    ELSE
        -- A context that arrives after an unattributed write attributes the transaction.
        UPDATE {{schema}}.transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source',
               context = v_extra
         WHERE t.id = v_id;
        -- The transaction's earlier changes were written without an actor; they carry the transaction's from now on.
        UPDATE {{schema}}.changes c
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}'
         WHERE c.transaction_id = v_id;
        PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
        RETURN ROW(v_id, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}');
    END IF;
    PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
    RETURN ROW(v_id, NULL::text, NULL::text);
END
$fn$;

ALTER FUNCTION {{schema}}.ensure_transaction_actor(text, boolean) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.ensure_transaction_actor(text, boolean) FROM PUBLIC;
