-- Threadline audit schema, version 6: cheaper capture. Measured with the pgbench harness (docs/benchmarks.md,
-- "Where the capture cost goes"); each step below is kept because it paid there.

-- 1. No foreign key from changes to transactions. Its check ran once per captured row (a row lock on the
--    transaction row through SPI), a quarter of the cost of a bulk insert. Only the capture functions write both
--    tables, always the transaction row first and in the same database transaction; retention deletes changes before
--    their transaction rows and never relied on the cascade.
ALTER TABLE {{schema}}.changes DROP CONSTRAINT IF EXISTS changes_transaction_id_fkey;
-- The op check was re-read and re-planned from the catalog for every capturing statement; op is written only by the
-- capture functions and baselines, from literals.
ALTER TABLE {{schema}}.changes DROP CONSTRAINT IF EXISTS changes_op_check;

-- 2. The transaction row is found or created in one statement on the common path, with the context parsed inline.
--    A transaction-local hint (threadline.captured = this transaction's id) says that an earlier statement already
--    created the row, so the first statement of a transaction inserts straight away instead of looking up a row that
--    cannot exist yet. The hint is never trusted for attribution: present, it only selects the lookup; set or cleared
--    by hand, the unique (txid, started_at) key still sends every change to the row of its own transaction.
--    A second hint (threadline.action, set by record_action) says that an action was recorded before the first write,
--    so the actions lookup runs only then. Cleared by hand, the transaction row is created without action_id; the
--    action keeps its txid and tx_started_at, which is how the action filters find it anyway.
-- 3. The context JSON is parsed without an exception block (a subtransaction on every first write) when it has the
--    bridges' shape; any other text goes through the checked parse with its specific error.
-- 4. transactions.context keeps the raw JSON only when it carries more than the columns already hold (the bridges'
--    JSON never does): the same information in a third of the bytes of a single-row transaction.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_xid       xid8 := pg_current_xact_id();
    v_id        bigint;
    v_has_actor boolean;
    v_raw       text;
    v_ctx       jsonb;
    v_type      text;
    v_action    bigint;
BEGIN
    IF current_setting('threadline.captured', true) = v_xid::text THEN
        SELECT t.id, t.actor_type IS NOT NULL INTO v_id, v_has_actor
          FROM {{schema}}.transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        IF FOUND AND (v_has_actor OR NOT p_require_actor) THEN
            RETURN v_id;
        END IF;
    END IF;

    -- The same checks as read_context(), inline: one function call less on every first write.
    v_raw := NULLIF(current_setting('threadline.context', true), '');
    IF v_raw LIKE '{"actor":{%}' THEN
        -- What AuditContext.ToJson writes; malformed JSON of this shape still fails, with PostgreSQL's own 22P02.
        v_ctx := v_raw::jsonb;
    ELSIF v_raw IS NOT NULL THEN
        BEGIN
            v_ctx := v_raw::jsonb;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'threadline: the audit context in threadline.context is not valid JSON'
                USING ERRCODE = '22023',
                      HINT = 'Set it only through the Threadline bridge (AuditContext.ToJson) with set_config(''threadline.context'', value, true).';
        END;
    END IF;
    IF v_ctx IS NOT NULL THEN
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
    END IF;

    -- The global setting is read only on the rare path of a write without context, so it costs attributed writes nothing.
    IF v_ctx IS NULL AND NOT p_require_actor THEN
        SELECT s.require_actor INTO p_require_actor FROM {{schema}}.settings s;
        p_require_actor := coalesce(p_require_actor, false);
    END IF;
    IF p_require_actor AND v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
            USING ERRCODE = '42501',
                  HINT = 'Set the audit context in the same transaction before writing: SELECT set_config(''threadline.context'', ''{"actor":{"type":"user","id":"..."}}'', true); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
    END IF;

    IF v_id IS NULL THEN
        IF current_setting('threadline.action', true) = v_xid::text THEN
            SELECT a.id INTO v_action FROM {{schema}}.actions a
             WHERE a.txid = v_xid AND a.tx_started_at = now()
             ORDER BY a.id LIMIT 1;
        END IF;
        INSERT INTO {{schema}}.transactions AS t
            (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
             request_id, correlation_id, trace_id, job_id, source, context, action_id)
        VALUES
            (v_xid, now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
             v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
             v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id',
             v_ctx ->> 'source', CASE WHEN v_ctx = jsonb_strip_nulls(jsonb_build_object(
                        'actor', jsonb_build_object('type', v_ctx #>> '{actor,type}', 'id', v_ctx #>> '{actor,id}'),
                        'on_behalf_of', CASE WHEN v_ctx ? 'on_behalf_of' THEN jsonb_build_object('type', v_ctx #>> '{on_behalf_of,type}', 'id', v_ctx #>> '{on_behalf_of,id}') END,
                        'request_id', v_ctx ->> 'request_id', 'correlation_id', v_ctx ->> 'correlation_id', 'trace_id', v_ctx ->> 'trace_id',
                        'job_id', v_ctx ->> 'job_id', 'source', v_ctx ->> 'source'))
                  THEN NULL ELSE v_ctx END,
             v_action)
        ON CONFLICT (txid, started_at) DO NOTHING
        RETURNING t.id INTO v_id;
        PERFORM set_config('threadline.captured', v_xid::text, true);
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
        -- The hint had been cleared by hand: the row exists already.
        SELECT t.id, t.actor_type IS NOT NULL INTO v_id, v_has_actor
          FROM {{schema}}.transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        IF v_has_actor OR v_ctx IS NULL THEN
            RETURN v_id;
        END IF;
    END IF;

    -- The row exists without an actor (an earlier write had none); attribute it now.
    UPDATE {{schema}}.transactions t
       SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
           on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
           request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
           trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source',
           context = CASE WHEN v_ctx = jsonb_strip_nulls(jsonb_build_object(
                        'actor', jsonb_build_object('type', v_ctx #>> '{actor,type}', 'id', v_ctx #>> '{actor,id}'),
                        'on_behalf_of', CASE WHEN v_ctx ? 'on_behalf_of' THEN jsonb_build_object('type', v_ctx #>> '{on_behalf_of,type}', 'id', v_ctx #>> '{on_behalf_of,id}') END,
                        'request_id', v_ctx ->> 'request_id', 'correlation_id', v_ctx ->> 'correlation_id', 'trace_id', v_ctx ->> 'trace_id',
                        'job_id', v_ctx ->> 'job_id', 'source', v_ctx ->> 'source'))
                  THEN NULL ELSE v_ctx END
     WHERE t.id = v_id;
    RETURN v_id;
END
$fn$;

-- record_action sets the action hint that ensure_transaction reads.
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
    UPDATE {{schema}}.transactions t SET action_id = v_id
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now() AND t.action_id IS NULL;
    RETURN v_id;
END
$fn$;

-- 5. transactions.started_at is read only by retention, as a range: a BRIN index (rows arrive in time order) instead
--    of a B-tree entry per transaction.
DROP INDEX IF EXISTS {{schema}}.transactions_started_idx;
CREATE INDEX transactions_started_brin ON {{schema}}.transactions USING brin (started_at);
