-- Threadline audit schema, version 1.
-- Placeholders: {{schema}} (quoted schema identifier), {{owner}}, {{reader}}, {{retention}}, {{writer}} (quoted role names).
-- Runs inside the installer's transaction, under a transaction-scoped advisory lock.

CREATE SCHEMA IF NOT EXISTS {{schema}} AUTHORIZATION {{owner}};
REVOKE ALL ON SCHEMA {{schema}} FROM PUBLIC;

-- One row per database transaction that changed at least one audited row.
CREATE TABLE {{schema}}.transactions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid             xid8        NOT NULL,
    -- Start of the database transaction (now()): identical for every change of the transaction.
    started_at       timestamptz NOT NULL,
    -- Wall-clock time of the transaction's first audited write (clock_timestamp()).
    first_change_at  timestamptz NOT NULL,
    actor_type       text,
    actor_id         text,
    on_behalf_of_type text,
    on_behalf_of_id  text,
    request_id       text,
    correlation_id   text,
    trace_id         text,
    job_id           text,
    source           text,
    context          jsonb,
    action_id        bigint,
    -- xid8 never wraps, but a restore into a new cluster restarts it: the start time keeps the key unique.
    CONSTRAINT transactions_txid_started_key UNIQUE (txid, started_at)
);
CREATE INDEX transactions_actor_idx ON {{schema}}.transactions (actor_type, actor_id, started_at DESC);
CREATE INDEX transactions_correlation_idx ON {{schema}}.transactions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX transactions_request_idx ON {{schema}}.transactions (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX transactions_job_idx ON {{schema}}.transactions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX transactions_trace_idx ON {{schema}}.transactions (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX transactions_started_idx ON {{schema}}.transactions (started_at DESC);

-- One row per captured row change (or one per TRUNCATE statement).
CREATE TABLE {{schema}}.changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  bigint      NOT NULL REFERENCES {{schema}}.transactions (id) ON DELETE CASCADE,
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    op              text        NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'truncate')),
    -- The row's primary key with its natural JSON types, e.g. {"id": 42} or {"tenant_id": "a", "n": 3}.
    row_key         jsonb,
    data_after      jsonb,
    changed_fields  text[],
    -- Previous values of changed_fields (update) or the whole previous row (delete).
    data_before     jsonb,
    captured_at     timestamptz NOT NULL
);
CREATE INDEX changes_transaction_idx ON {{schema}}.changes (transaction_id);
CREATE INDEX changes_row_idx ON {{schema}}.changes (table_schema, table_name, row_key, captured_at DESC, id DESC);
CREATE INDEX changes_table_time_idx ON {{schema}}.changes (table_schema, table_name, captured_at DESC, id DESC);
CREATE INDEX changes_time_idx ON {{schema}}.changes (captured_at DESC, id DESC);

-- Semantic "who did what and why" events, linked to the capture transaction of the same database transaction.
CREATE TABLE {{schema}}.actions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('ok', 'error')),
    reason          text,
    actor_type      text        NOT NULL,
    actor_id        text,
    request_id      text,
    correlation_id  text,
    job_id          text,
    trace_id        text,
    txid            xid8        NOT NULL,
    tx_started_at   timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX actions_actor_idx ON {{schema}}.actions (actor_type, actor_id, recorded_at DESC);
CREATE INDEX actions_correlation_idx ON {{schema}}.actions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX actions_name_idx ON {{schema}}.actions (name, recorded_at DESC);
CREATE INDEX actions_tx_idx ON {{schema}}.actions (txid, tx_started_at);
ALTER TABLE {{schema}}.transactions
    ADD CONSTRAINT transactions_action_fk FOREIGN KEY (action_id) REFERENCES {{schema}}.actions (id) ON DELETE SET NULL;
CREATE INDEX transactions_action_idx ON {{schema}}.transactions (action_id) WHERE action_id IS NOT NULL;

-- Tables under capture and their options, so capture can be listed, verified and regenerated.
CREATE TABLE {{schema}}.captured_tables (
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    function_name   text        NOT NULL,
    key_columns     text[]      NOT NULL,
    options         jsonb       NOT NULL,
    -- When capture first started on the table: audit history is complete from here on.
    enabled_at      timestamptz NOT NULL DEFAULT now(),
    options_changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_schema, table_name)
);

-- Parses and validates the transaction-local audit context. Garbage fails loudly; '' and NULL mean "no context".
CREATE FUNCTION {{schema}}.read_context() RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_raw  text := NULLIF(current_setting('threadline.context', true), '');
    v_ctx  jsonb;
    v_type text;
BEGIN
    IF v_raw IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        v_ctx := v_raw::jsonb;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'threadline: the audit context in threadline.context is not valid JSON'
            USING ERRCODE = '22023',
                  HINT = 'Set it only through the Threadline bridge (AuditContext.ToJson) with set_config(''threadline.context'', value, true).';
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

-- Hands the audit context to this transaction. A procedure, so that as a prefix statement (CALL) it adds no
-- result set in front of the caller's own results. Invoker rights and no SET clause: the setting must outlive the call.
CREATE PROCEDURE {{schema}}.set_context(p_context text)
LANGUAGE sql AS $fn$
    SELECT pg_catalog.set_config('threadline.context', p_context, true);
$fn$;

-- Returns the audit transaction row of the current database transaction, creating it on the first audited write.
CREATE FUNCTION {{schema}}.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_id      bigint;
    v_has_actor boolean;
    v_ctx     jsonb;
BEGIN
    SELECT t.id, t.actor_type IS NOT NULL INTO v_id, v_has_actor
      FROM {{schema}}.transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
    IF FOUND AND (v_has_actor OR NOT p_require_actor) THEN
        RETURN v_id;
    END IF;

    v_ctx := {{schema}}.read_context();
    IF p_require_actor AND v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
            USING ERRCODE = '42501',
                  HINT = 'Set the audit context in the same transaction before writing: SELECT set_config(''threadline.context'', ''{"actor":{"type":"user","id":"..."}}'', true); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
    END IF;

    IF v_id IS NOT NULL THEN
        -- The row exists without an actor (an earlier write had none); attribute it now.
        UPDATE {{schema}}.transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source', context = v_ctx
         WHERE t.id = v_id;
        RETURN v_id;
    END IF;

    INSERT INTO {{schema}}.transactions AS t
        (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
         request_id, correlation_id, trace_id, job_id, source, context, action_id)
    VALUES
        (pg_current_xact_id(), now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
         v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
         v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id',
         v_ctx ->> 'source', v_ctx,
         (SELECT a.id FROM {{schema}}.actions a
           WHERE a.txid = pg_current_xact_id() AND a.tx_started_at = now()
           ORDER BY a.id LIMIT 1))
    RETURNING t.id INTO v_id;
    RETURN v_id;
END
$fn$;

-- The audit transaction id of the current database transaction, or NULL when nothing audited was written yet.
CREATE FUNCTION {{schema}}.current_transaction_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.id FROM {{schema}}.transactions t WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

-- Records a semantic action with the actor and ids of the current audit context, and links it to this
-- transaction's captured changes (whether they were written before or after the action).
CREATE FUNCTION {{schema}}.record_action(p_name text, p_status text DEFAULT 'ok', p_reason text DEFAULT NULL) RETURNS bigint
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
    UPDATE {{schema}}.transactions t SET action_id = v_id
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now() AND t.action_id IS NULL;
    RETURN v_id;
END
$fn$;

-- Ownership and least privilege: the owner role owns everything; application roles get no table rights at all.
ALTER TABLE {{schema}}.transactions OWNER TO {{owner}};
ALTER TABLE {{schema}}.changes OWNER TO {{owner}};
ALTER TABLE {{schema}}.actions OWNER TO {{owner}};
ALTER TABLE {{schema}}.captured_tables OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.read_context() OWNER TO {{owner}};
ALTER PROCEDURE {{schema}}.set_context(text) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.ensure_transaction(text, boolean) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.current_transaction_id() OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.record_action(text, text, text) OWNER TO {{owner}};
REVOKE ALL ON ALL TABLES IN SCHEMA {{schema}} FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {{schema}} FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA {{schema}} FROM PUBLIC;

GRANT USAGE ON SCHEMA {{schema}} TO {{reader}}, {{retention}}, {{writer}};
GRANT SELECT ON ALL TABLES IN SCHEMA {{schema}} TO {{reader}};
GRANT SELECT, DELETE ON {{schema}}.transactions, {{schema}}.changes, {{schema}}.actions TO {{retention}};
GRANT EXECUTE ON PROCEDURE {{schema}}.set_context(text) TO {{writer}};
GRANT EXECUTE ON FUNCTION {{schema}}.current_transaction_id() TO {{writer}};
GRANT EXECUTE ON FUNCTION {{schema}}.record_action(text, text, text) TO {{writer}};
