-- FROZEN: the install script of schema version 12 as the version scripts V001-V012 produced it before they were
-- collapsed into Sql/V012__baseline.sql and Sql/Functions (issue 24), rendered for the default schema and roles by
-- `threadline schema script` at commit 3b3b4e8. Never edit it: the upgrade tests apply it as "an existing install
-- of the previous layout", and SchemaDefinitionTests prove that the collapse lost nothing against it.
-- Threadline audit schema script, generated for review. Apply on a direct PostgreSQL connection.
BEGIN;
DO $roles$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'threadline_owner') THEN
        CREATE ROLE "threadline_owner" NOLOGIN;
    END IF;
END $roles$;
DO $roles$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'threadline_reader') THEN
        CREATE ROLE "threadline_reader" NOLOGIN;
    END IF;
END $roles$;
DO $roles$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'threadline_retention') THEN
        CREATE ROLE "threadline_retention" NOLOGIN;
    END IF;
END $roles$;
DO $roles$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'threadline_writer') THEN
        CREATE ROLE "threadline_writer" NOLOGIN;
    END IF;
END $roles$;
CREATE SCHEMA IF NOT EXISTS "threadline" AUTHORIZATION "threadline_owner";
CREATE TABLE IF NOT EXISTS "threadline"."schema_versions" (
    version integer PRIMARY KEY,
    name text NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE "threadline"."schema_versions" OWNER TO "threadline_owner";

-- 1: audit_schema
-- Threadline audit schema, version 1.
-- Placeholders: "threadline" (quoted schema identifier), "threadline_owner", "threadline_reader", "threadline_retention", "threadline_writer" (quoted role names).
-- Runs inside the installer's transaction, under a transaction-scoped advisory lock.

CREATE SCHEMA IF NOT EXISTS "threadline" AUTHORIZATION "threadline_owner";
REVOKE ALL ON SCHEMA "threadline" FROM PUBLIC;

-- One row per database transaction that changed at least one audited row.
CREATE TABLE "threadline".transactions (
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
CREATE INDEX transactions_actor_idx ON "threadline".transactions (actor_type, actor_id, started_at DESC);
CREATE INDEX transactions_correlation_idx ON "threadline".transactions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX transactions_request_idx ON "threadline".transactions (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX transactions_job_idx ON "threadline".transactions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX transactions_trace_idx ON "threadline".transactions (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX transactions_started_idx ON "threadline".transactions (started_at DESC);

-- One row per captured row change (or one per TRUNCATE statement).
CREATE TABLE "threadline".changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  bigint      NOT NULL REFERENCES "threadline".transactions (id) ON DELETE CASCADE,
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
CREATE INDEX changes_transaction_idx ON "threadline".changes (transaction_id);
CREATE INDEX changes_row_idx ON "threadline".changes (table_schema, table_name, row_key, captured_at DESC, id DESC);
CREATE INDEX changes_table_time_idx ON "threadline".changes (table_schema, table_name, captured_at DESC, id DESC);
CREATE INDEX changes_time_idx ON "threadline".changes (captured_at DESC, id DESC);

-- Semantic "who did what and why" events, linked to the capture transaction of the same database transaction.
CREATE TABLE "threadline".actions (
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
CREATE INDEX actions_actor_idx ON "threadline".actions (actor_type, actor_id, recorded_at DESC);
CREATE INDEX actions_correlation_idx ON "threadline".actions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX actions_name_idx ON "threadline".actions (name, recorded_at DESC);
CREATE INDEX actions_tx_idx ON "threadline".actions (txid, tx_started_at);
ALTER TABLE "threadline".transactions
    ADD CONSTRAINT transactions_action_fk FOREIGN KEY (action_id) REFERENCES "threadline".actions (id) ON DELETE SET NULL;
CREATE INDEX transactions_action_idx ON "threadline".transactions (action_id) WHERE action_id IS NOT NULL;

-- Tables under capture and their options, so capture can be listed, verified and regenerated.
CREATE TABLE "threadline".captured_tables (
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
CREATE FUNCTION "threadline".read_context() RETURNS jsonb
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
CREATE PROCEDURE "threadline".set_context(p_context text)
LANGUAGE sql AS $fn$
    SELECT pg_catalog.set_config('threadline.context', p_context, true);
$fn$;

-- Returns the audit transaction row of the current database transaction, creating it on the first audited write.
CREATE FUNCTION "threadline".ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_id      bigint;
    v_has_actor boolean;
    v_ctx     jsonb;
BEGIN
    SELECT t.id, t.actor_type IS NOT NULL INTO v_id, v_has_actor
      FROM "threadline".transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
    IF FOUND AND (v_has_actor OR NOT p_require_actor) THEN
        RETURN v_id;
    END IF;

    v_ctx := "threadline".read_context();
    IF p_require_actor AND v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
            USING ERRCODE = '42501',
                  HINT = 'Set the audit context in the same transaction before writing: SELECT set_config(''threadline.context'', ''{"actor":{"type":"user","id":"..."}}'', true); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
    END IF;

    IF v_id IS NOT NULL THEN
        -- The row exists without an actor (an earlier write had none); attribute it now.
        UPDATE "threadline".transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source', context = v_ctx
         WHERE t.id = v_id;
        RETURN v_id;
    END IF;

    INSERT INTO "threadline".transactions AS t
        (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
         request_id, correlation_id, trace_id, job_id, source, context, action_id)
    VALUES
        (pg_current_xact_id(), now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
         v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
         v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id',
         v_ctx ->> 'source', v_ctx,
         (SELECT a.id FROM "threadline".actions a
           WHERE a.txid = pg_current_xact_id() AND a.tx_started_at = now()
           ORDER BY a.id LIMIT 1))
    RETURNING t.id INTO v_id;
    RETURN v_id;
END
$fn$;

-- The audit transaction id of the current database transaction, or NULL when nothing audited was written yet.
CREATE FUNCTION "threadline".current_transaction_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.id FROM "threadline".transactions t WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

-- Records a semantic action with the actor and ids of the current audit context, and links it to this
-- transaction's captured changes (whether they were written before or after the action).
CREATE FUNCTION "threadline".record_action(p_name text, p_status text DEFAULT 'ok', p_reason text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_ctx jsonb := "threadline".read_context();
    v_id  bigint;
BEGIN
    IF v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: record_action(%) needs an actor, and this transaction has none', p_name
            USING ERRCODE = '42501';
    END IF;
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 200 THEN
        RAISE EXCEPTION 'threadline: an action name must be 1 to 200 characters' USING ERRCODE = '22023';
    END IF;
    INSERT INTO "threadline".actions (name, status, reason, actor_type, actor_id, request_id, correlation_id, job_id, trace_id, txid, tx_started_at)
    VALUES (p_name, p_status, p_reason, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}', v_ctx ->> 'request_id',
            v_ctx ->> 'correlation_id', v_ctx ->> 'job_id', v_ctx ->> 'trace_id', pg_current_xact_id(), now())
    RETURNING id INTO v_id;
    UPDATE "threadline".transactions t SET action_id = v_id
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now() AND t.action_id IS NULL;
    RETURN v_id;
END
$fn$;

-- Ownership and least privilege: the owner role owns everything; application roles get no table rights at all.
ALTER TABLE "threadline".transactions OWNER TO "threadline_owner";
ALTER TABLE "threadline".changes OWNER TO "threadline_owner";
ALTER TABLE "threadline".actions OWNER TO "threadline_owner";
ALTER TABLE "threadline".captured_tables OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".read_context() OWNER TO "threadline_owner";
ALTER PROCEDURE "threadline".set_context(text) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".ensure_transaction(text, boolean) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".current_transaction_id() OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".record_action(text, text, text) OWNER TO "threadline_owner";
REVOKE ALL ON ALL TABLES IN SCHEMA "threadline" FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA "threadline" FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA "threadline" FROM PUBLIC;

GRANT USAGE ON SCHEMA "threadline" TO "threadline_reader", "threadline_retention", "threadline_writer";
GRANT SELECT ON ALL TABLES IN SCHEMA "threadline" TO "threadline_reader";
GRANT SELECT, DELETE ON "threadline".transactions, "threadline".changes, "threadline".actions TO "threadline_retention";
GRANT EXECUTE ON PROCEDURE "threadline".set_context(text) TO "threadline_writer";
GRANT EXECUTE ON FUNCTION "threadline".current_transaction_id() TO "threadline_writer";
GRANT EXECUTE ON FUNCTION "threadline".record_action(text, text, text) TO "threadline_writer";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (1, 'audit_schema');
-- 2: strict_attribution_everywhere
-- Threadline audit schema, version 2: strict attribution for every captured table.
-- V001 is frozen once released; later versions change it only by replacing objects here.

-- One row of installation-wide settings, changed only by the owner (CaptureManager.SetRequireActorEverywhereAsync).
CREATE TABLE "threadline".settings (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Reject every captured write without an actor, whatever the table's own RequireActor option says.
    require_actor boolean     NOT NULL DEFAULT false,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO "threadline".settings DEFAULT VALUES;
ALTER TABLE "threadline".settings OWNER TO "threadline_owner";
REVOKE ALL ON "threadline".settings FROM PUBLIC;
GRANT SELECT ON "threadline".settings TO "threadline_reader";

-- Returns the audit transaction row of the current database transaction, creating it on the first audited write.
CREATE OR REPLACE FUNCTION "threadline".ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_id      bigint;
    v_has_actor boolean;
    v_ctx     jsonb;
BEGIN
    SELECT t.id, t.actor_type IS NOT NULL INTO v_id, v_has_actor
      FROM "threadline".transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
    IF FOUND AND (v_has_actor OR NOT p_require_actor) THEN
        RETURN v_id;
    END IF;

    v_ctx := "threadline".read_context();
    -- The global setting is read only on the rare path of a write without context, so it costs attributed writes nothing.
    IF v_ctx IS NULL AND NOT p_require_actor THEN
        SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
        p_require_actor := coalesce(p_require_actor, false);
    END IF;
    IF p_require_actor AND v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
            USING ERRCODE = '42501',
                  HINT = 'Set the audit context in the same transaction before writing: SELECT set_config(''threadline.context'', ''{"actor":{"type":"user","id":"..."}}'', true); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
    END IF;

    IF v_id IS NOT NULL THEN
        -- The row exists without an actor (an earlier write had none); attribute it now.
        UPDATE "threadline".transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source', context = v_ctx
         WHERE t.id = v_id;
        RETURN v_id;
    END IF;

    INSERT INTO "threadline".transactions AS t
        (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
         request_id, correlation_id, trace_id, job_id, source, context, action_id)
    VALUES
        (pg_current_xact_id(), now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
         v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
         v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id',
         v_ctx ->> 'source', v_ctx,
         (SELECT a.id FROM "threadline".actions a
           WHERE a.txid = pg_current_xact_id() AND a.tx_started_at = now()
           ORDER BY a.id LIMIT 1))
    RETURNING t.id INTO v_id;
    RETURN v_id;
END
$fn$;

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (2, 'strict_attribution_everywhere');
-- 3: investigation_indexes
-- Threadline audit schema, version 3: indexes behind the investigation filters that had none.

-- "What did the nightly job do on behalf of user 17?"
CREATE INDEX transactions_on_behalf_of_idx ON "threadline".transactions (on_behalf_of_type, on_behalf_of_id, started_at DESC)
    WHERE on_behalf_of_type IS NOT NULL;

-- Deletes and truncates are rare next to inserts and updates, so a filter on them must not scan the whole timeline.
-- A partial index keeps inserts and updates (nearly all captured rows) free of its write cost.
CREATE INDEX changes_rare_op_idx ON "threadline".changes (op, captured_at DESC, id DESC)
    WHERE op IN ('delete', 'truncate');

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (3, 'investigation_indexes');
-- 4: operations
-- Threadline audit schema, version 4: baselines for tables that already hold data, and coverage checks by any role.

-- A baseline is the image of a row that existed when capture began: not a change anyone made, and never shown as one.
ALTER TABLE "threadline".changes DROP CONSTRAINT changes_op_check;
ALTER TABLE "threadline".changes ADD CONSTRAINT changes_op_check CHECK (op IN ('insert', 'update', 'delete', 'truncate', 'baseline'));

-- Coverage health checks run in application services: they need to read which tables are captured, not audit rows.
GRANT SELECT ON "threadline".captured_tables TO "threadline_writer";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (4, 'operations');
-- 5: change_partitioning
-- Threadline audit schema, version 5: optional time partitioning of changes, so retention drops whole partitions.
-- Nothing changes for an install that does not opt in (PartitioningManager.EnableAsync, at install time).

ALTER TABLE "threadline".settings
    ADD COLUMN partition_interval text CHECK (partition_interval IN ('day', 'month'));

-- Creates the partitions from the current period to p_ahead periods ahead; returns how many it created.
-- Rows outside every range land in the default partition, so a missed run never loses a change.
CREATE FUNCTION "threadline".ensure_change_partitions(p_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_interval text := (SELECT s.partition_interval FROM "threadline".settings s);
    v_step     interval;
    v_start    timestamptz;
    v_name     text;
    v_created  integer := 0;
BEGIN
    IF v_interval IS NULL THEN
        RAISE EXCEPTION 'threadline: changes are not partitioned in this install' USING ERRCODE = '55000';
    END IF;
    IF p_ahead < 0 OR p_ahead > 366 THEN
        RAISE EXCEPTION 'threadline: partitions ahead must be from 0 to 366, not %', p_ahead USING ERRCODE = '22023';
    END IF;
    v_step := ('1 ' || v_interval)::interval;
    v_start := date_trunc(v_interval, now(), 'UTC');
    FOR i IN 0 .. p_ahead LOOP
        v_name := 'changes_p' || to_char(v_start AT TIME ZONE 'UTC', CASE v_interval WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
        IF to_regclass(format('%I.%I', 'threadline', v_name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.changes FOR VALUES FROM (%L) TO (%L)',
                           'threadline', v_name, 'threadline', v_start, v_start + v_step);
            v_created := v_created + 1;
        END IF;
        v_start := v_start + v_step;
    END LOOP;
    RETURN v_created;
END
$fn$;

-- Drops every range partition whose upper bound is at or before p_cutoff; returns each with its rows per table.
CREATE FUNCTION "threadline".drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.relname::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(format('%I.changes', 'threadline'))
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        CONTINUE WHEN v_partition.upper_bound > p_cutoff;
        RETURN QUERY EXECUTE format('SELECT %L::text, table_schema || ''.'' || table_name, count(*) FROM %I.%I GROUP BY 2',
                                    v_partition.name, 'threadline', v_partition.name);
        EXECUTE format('DROP TABLE %I.%I', 'threadline', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

ALTER FUNCTION "threadline".ensure_change_partitions(integer) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".drop_change_partitions_before(timestamptz) OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline".ensure_change_partitions(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION "threadline".drop_change_partitions_before(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "threadline".ensure_change_partitions(integer) TO "threadline_retention";
GRANT EXECUTE ON FUNCTION "threadline".drop_change_partitions_before(timestamptz) TO "threadline_retention";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (5, 'change_partitioning');
-- 6: capture_cost
-- Threadline audit schema, version 6: cheaper capture. Measured with the pgbench harness (docs/benchmarks.md,
-- "Where the capture cost goes"); each step below is kept because it paid there.

-- 1. No foreign key from changes to transactions. Its check ran once per captured row (a row lock on the
--    transaction row through SPI), a quarter of the cost of a bulk insert. Only the capture functions write both
--    tables, always the transaction row first and in the same database transaction; retention deletes changes before
--    their transaction rows and never relied on the cascade.
ALTER TABLE "threadline".changes DROP CONSTRAINT IF EXISTS changes_transaction_id_fkey;
-- The op check was re-read and re-planned from the catalog for every capturing statement; op is written only by the
-- capture functions and baselines, from literals.
ALTER TABLE "threadline".changes DROP CONSTRAINT IF EXISTS changes_op_check;

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
CREATE OR REPLACE FUNCTION "threadline".ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
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
          FROM "threadline".transactions t
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
        SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
        p_require_actor := coalesce(p_require_actor, false);
    END IF;
    IF p_require_actor AND v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
            USING ERRCODE = '42501',
                  HINT = 'Set the audit context in the same transaction before writing: SELECT set_config(''threadline.context'', ''{"actor":{"type":"user","id":"..."}}'', true); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
    END IF;

    IF v_id IS NULL THEN
        IF current_setting('threadline.action', true) = v_xid::text THEN
            SELECT a.id INTO v_action FROM "threadline".actions a
             WHERE a.txid = v_xid AND a.tx_started_at = now()
             ORDER BY a.id LIMIT 1;
        END IF;
        INSERT INTO "threadline".transactions AS t
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
          FROM "threadline".transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        IF v_has_actor OR v_ctx IS NULL THEN
            RETURN v_id;
        END IF;
    END IF;

    -- The row exists without an actor (an earlier write had none); attribute it now.
    UPDATE "threadline".transactions t
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
CREATE OR REPLACE FUNCTION "threadline".record_action(p_name text, p_status text DEFAULT 'ok', p_reason text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_ctx jsonb := "threadline".read_context();
    v_id  bigint;
BEGIN
    IF v_ctx IS NULL THEN
        RAISE EXCEPTION 'threadline: record_action(%) needs an actor, and this transaction has none', p_name
            USING ERRCODE = '42501';
    END IF;
    IF coalesce(btrim(p_name), '') = '' OR length(p_name) > 200 THEN
        RAISE EXCEPTION 'threadline: an action name must be 1 to 200 characters' USING ERRCODE = '22023';
    END IF;
    INSERT INTO "threadline".actions (name, status, reason, actor_type, actor_id, request_id, correlation_id, job_id, trace_id, txid, tx_started_at)
    VALUES (p_name, p_status, p_reason, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}', v_ctx ->> 'request_id',
            v_ctx ->> 'correlation_id', v_ctx ->> 'job_id', v_ctx ->> 'trace_id', pg_current_xact_id(), now())
    RETURNING id INTO v_id;
    PERFORM set_config('threadline.action', pg_current_xact_id()::text, true);
    UPDATE "threadline".transactions t SET action_id = v_id
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now() AND t.action_id IS NULL;
    RETURN v_id;
END
$fn$;

-- 5. transactions.started_at is read only by retention, as a range: a BRIN index (rows arrive in time order) instead
--    of a B-tree entry per transaction.
DROP INDEX IF EXISTS "threadline".transactions_started_idx;
CREATE INDEX transactions_started_brin ON "threadline".transactions USING brin (started_at);

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (6, 'capture_cost');
-- 7: audit_span_summary
-- Threadline audit schema, version 7: what the audit span of a transaction reports (docs/telemetry.md).
-- The writer role cannot read the audit tables; this returns only the current transaction's audit id, the tables it
-- changed and its change count: no actor, no ids from the context, no row data.

CREATE FUNCTION "threadline".current_transaction_summary(OUT transaction_id bigint, OUT tables text[], OUT changes bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.id,
           array_agg(DISTINCT c.table_schema || '.' || c.table_name) FILTER (WHERE c.id IS NOT NULL),
           count(c.id)
      FROM "threadline".transactions t
      -- captured_at is never earlier than the transaction's start: the bound lets partitioned changes be pruned.
      LEFT JOIN "threadline".changes c ON c.transaction_id = t.id AND c.captured_at >= now()
     -- _if_assigned: asking a transaction that wrote nothing must not give it a transaction id just to find no row.
     WHERE t.txid = pg_current_xact_id_if_assigned() AND t.started_at = now()
     GROUP BY t.id;
$fn$;

ALTER FUNCTION "threadline".current_transaction_summary() OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline".current_transaction_summary() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "threadline".current_transaction_summary() TO "threadline_writer";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (7, 'audit_span_summary');
-- 8: context_bound_to_transaction
-- Threadline audit schema, version 8: an audit context is used only by the transaction that set it
-- (docs/capture.md, "A context belongs to one transaction").
--
-- A session-level set_config('threadline.context', ..., false) or SET without LOCAL outlives its transaction; behind a
-- transaction-mode pooler the next client of that server connection would be recorded as that actor. PostgreSQL
-- cannot tell a transaction-local setting from a session-level one, so the bridges and set_context() stamp the
-- context: threadline.context_tx holds the start time of the transaction that set it, in microseconds since the epoch
-- (now() is fixed for a transaction and differs between the transactions of one server connection). The capture uses
-- a context only when the stamp is this transaction's:
--   * a stamp from another transaction ("stale": a session-level set, or a stamp copied with is_local = false) and
--   * no stamp at all ("unstamped": a bare set_config('threadline.context', ...) written by hand)
-- are never used for attribution. A write to a table that needs an actor is refused (SQLSTATE TL001); any other write
-- is recorded without an actor and with the refused context in transactions.refused_context, so the leak is visible.
--
-- One transaction, one actor: once a transaction's row has an actor, a write under a context with different
-- attribution (actor, on-behalf-of, request, correlation, trace, job or source) is refused (SQLSTATE TL002) instead of
-- being recorded under the first actor. A context that arrives after an unattributed first write attributes the
-- transaction (the transaction is the unit of attribution); a context cleared after an attributed write leaves the
-- transaction's actor in place.

ALTER TABLE "threadline".transactions ADD COLUMN refused_context jsonb;
COMMENT ON COLUMN "threadline".transactions.refused_context IS
    'A context present in the transaction but not used for attribution: {"reason": "stale" | "unstamped", "context": raw text}.';

-- The stamp as the bridges write it; also what ensure_transaction and read_context compare with.
CREATE FUNCTION "threadline".context_stamp() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT (extract(epoch FROM now()) * 1000000)::bigint::text;
$fn$;

-- Invoker rights and no SET clause, as before: the settings must outlive the call. The stamp expression is the one
-- NpgsqlAuditExtensions.SetContextSql sends.
CREATE OR REPLACE PROCEDURE "threadline".set_context(p_context text)
LANGUAGE sql AS $fn$
    SELECT pg_catalog.set_config('threadline.context', p_context, true),
           pg_catalog.set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true);
$fn$;

-- Refuses a write that needs an actor: with the leak named when a context was there but not this transaction's.
CREATE FUNCTION "threadline".refuse_write(p_table text, p_refused jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF p_refused ->> 'reason' = 'stale' THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and the audit context on this connection was set by an earlier transaction (a session-level set_config(..., false) or SET, or a pooled session that leaked it); it is not used', p_table
            USING ERRCODE = 'TL001',
                  HINT = 'Set the context inside each transaction with the Threadline bridges or CALL threadline.set_context(...); never with set_config(..., false) or SET without LOCAL. RESET threadline.context clears a leaked value.';
    ELSIF p_refused ->> 'reason' = 'unstamped' THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and the audit context has no transaction stamp (a bare set_config(''threadline.context'', ...)); it is not used', p_table
            USING ERRCODE = 'TL001',
                  HINT = 'Set the context with CALL threadline.set_context(...) or the Threadline bridges: they stamp it with the transaction that set it, which a session-level setting cannot fake.';
    END IF;
    RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table
        USING ERRCODE = '42501',
              HINT = 'Set the audit context in the same transaction before writing: CALL threadline.set_context(''{"actor":{"type":"user","id":"..."}}''); the Threadline bridges for Npgsql, EF Core and MassTransit do this for you.';
END
$fn$;

-- read_context (used by record_action) refuses a context that this transaction did not set.
CREATE OR REPLACE FUNCTION "threadline".read_context() RETURNS jsonb
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
    IF v_stamp IS DISTINCT FROM (extract(epoch FROM now()) * 1000000)::bigint::text THEN
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

-- The transaction-local hint threadline.captured is now '<txid>/<context text>': the transaction row exists, and the
-- context was last checked with that text. Still never trusted for attribution: it only selects the lookup, and a
-- hint set by hand can at most send a write down the checked path.
CREATE OR REPLACE FUNCTION "threadline".ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
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
          FROM "threadline".transactions t
         WHERE t.txid = v_xid AND t.started_at = now();
        IF FOUND THEN
            v_exists := true;
            v_id := v_row.id;
            IF substr(v_hint, length(v_prefix) + 1) = coalesce(v_raw, '') THEN
                -- The common path: the same context as the transaction's earlier writes.
                IF v_row.actor_type IS NOT NULL OR NOT p_require_actor THEN
                    RETURN v_id;
                END IF;
            ELSIF v_raw IS NULL AND v_row.actor_type IS NOT NULL THEN
                -- The context was cleared after an attributed write: the transaction keeps its actor.
                RETURN v_id;
            END IF;
        END IF;
    END IF;

    IF v_raw IS NOT NULL THEN
        v_stamp := NULLIF(current_setting('threadline.context_tx', true), '');
        IF v_stamp IS DISTINCT FROM (extract(epoch FROM now()) * 1000000)::bigint::text THEN
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
            SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor AND v_ctx IS NULL THEN
            PERFORM "threadline".refuse_write(p_table, v_refused);
        END IF;
        IF current_setting('threadline.action', true) = v_xid::text THEN
            SELECT a.id INTO v_action FROM "threadline".actions a
             WHERE a.txid = v_xid AND a.tx_started_at = now()
             ORDER BY a.id LIMIT 1;
        END IF;
        INSERT INTO "threadline".transactions AS t
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
            RETURN v_id;
        END IF;
        -- The hint had been cleared by hand: the row exists already.
        SELECT t.id, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id, t.request_id,
               t.correlation_id, t.trace_id, t.job_id, t.source
          INTO v_row
          FROM "threadline".transactions t
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
        RETURN v_id;
    END IF;

    IF v_ctx IS NULL THEN
        IF NOT p_require_actor THEN
            SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor THEN
            PERFORM "threadline".refuse_write(p_table, v_refused);
        END IF;
        IF v_refused IS NOT NULL THEN
            UPDATE "threadline".transactions t SET refused_context = v_refused
             WHERE t.id = v_id AND t.refused_context IS NULL;
        END IF;
    ELSE
        -- A context that arrives after an unattributed write attributes the transaction.
        UPDATE "threadline".transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source',
               context = v_extra
         WHERE t.id = v_id;
    END IF;
    PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
    RETURN v_id;
END
$fn$;

ALTER FUNCTION "threadline".context_stamp() OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".refuse_write(text, jsonb) OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline".refuse_write(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION "threadline".context_stamp() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "threadline".context_stamp() TO "threadline_writer";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (8, 'context_bound_to_transaction');
-- 9: tamper_evidence
-- Threadline audit schema: tamper evidence (seals over the audit trail, and a purge log).
-- A seal covers the audit rows whose writing transaction became visible (committed) after the previous seal's
-- snapshot and is visible in its own: commit order, not id order, decides what a seal covers, so a long transaction
-- with low ids is covered by the first seal that can see it. Row kinds: 1 transaction, 2 change, 3 purge-log entry.

-- What retention removed on purpose: id ranges and a digest of the removed rows, so verify does not call it tampering.
CREATE TABLE "threadline".purge_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction: an entry is itself covered by the next seal, like any audit row.
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    purged_at   timestamptz NOT NULL DEFAULT now(),
    purged_by   text        NOT NULL DEFAULT session_user,
    kind        smallint    NOT NULL CHECK (kind IN (1, 2)),
    ids         int8multirange NOT NULL,
    row_count   bigint      NOT NULL,
    digest      bytea       NOT NULL,
    reason      text        NOT NULL CHECK (reason IN ('retention', 'partition')),
    detail      text
);
CREATE INDEX purge_log_txid_idx ON "threadline".purge_log (txid);

-- One row per seal; hash chains it to the previous one.
CREATE TABLE "threadline".seals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    previous_id  bigint,
    sealed_at    timestamptz NOT NULL,
    sealed_by    text        NOT NULL,
    snapshot     pg_snapshot NOT NULL,
    transactions bigint      NOT NULL,
    changes      bigint      NOT NULL,
    purges       bigint      NOT NULL,
    digest       bytea       NOT NULL,
    hash         bytea       NOT NULL
);
-- A seal has one successor: a second concurrent seal on the same predecessor fails instead of forking the chain.
CREATE UNIQUE INDEX seals_one_successor_idx ON "threadline".seals ((coalesce(previous_id, 0)));

-- Per seal, its rows in blocks of 1024 ids: the digest proves the block, the ids and 8-byte row hash prefixes
-- (in id order) name the changed, deleted or inserted row when it does not match.
CREATE TABLE "threadline".seal_blocks (
    seal_id    bigint   NOT NULL,
    kind       smallint NOT NULL,
    block_no   bigint   NOT NULL,
    row_count  integer  NOT NULL,
    digest     bytea    NOT NULL,
    ids        int8multirange NOT NULL,
    hashes     bytea    NOT NULL,
    PRIMARY KEY (seal_id, kind, block_no)
);

-- Canonical row hashes: a JSON array of the columns (times as epoch numbers, so no DateStyle or TimeZone setting
-- changes the text). transactions.action_id is left out: retention of actions sets it to NULL on purpose.
-- Like every function of the schema, these pin search_path (LeastPrivilegeTests); the price is that they are not
-- inlined, about a fifth more time per hashed row.
CREATE FUNCTION "threadline".transaction_row_hash(
    p_id bigint, p_txid xid8, p_started_at timestamptz, p_first_change_at timestamptz, p_actor_type text, p_actor_id text,
    p_on_behalf_of_type text, p_on_behalf_of_id text, p_request_id text, p_correlation_id text, p_trace_id text,
    p_job_id text, p_source text, p_context jsonb, p_refused_context jsonb) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_txid::text, extract(epoch FROM p_started_at), extract(epoch FROM p_first_change_at),
        p_actor_type, p_actor_id, p_on_behalf_of_type, p_on_behalf_of_id, p_request_id, p_correlation_id, p_trace_id,
        p_job_id, p_source, p_context, p_refused_context)::text, 'UTF8'));
$fn$;

CREATE FUNCTION "threadline".change_row_hash(
    p_id bigint, p_transaction_id bigint, p_table_schema text, p_table_name text, p_op text, p_row_key jsonb,
    p_data_after jsonb, p_changed_fields text[], p_data_before jsonb, p_captured_at timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_transaction_id, p_table_schema, p_table_name, p_op, p_row_key,
        p_data_after, p_changed_fields, p_data_before, extract(epoch FROM p_captured_at))::text, 'UTF8'));
$fn$;

CREATE FUNCTION "threadline".purge_row_hash(
    p_id bigint, p_txid xid8, p_purged_at timestamptz, p_purged_by text, p_kind smallint, p_ids int8multirange,
    p_row_count bigint, p_digest bytea, p_reason text, p_detail text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_txid::text, extract(epoch FROM p_purged_at), p_purged_by, p_kind,
        p_ids::text, p_row_count, encode(p_digest, 'hex'), p_reason, p_detail)::text, 'UTF8'));
$fn$;

-- The rows a seal with snapshot p_upto covers after a seal with snapshot p_after (NULL: the first seal), with their
-- hashes. The xid bounds let the (txid, started_at) index find the window; the visibility tests decide it.
CREATE FUNCTION "threadline".sealed_rows(p_after pg_snapshot, p_upto pg_snapshot)
RETURNS TABLE (kind smallint, id bigint, hash bytea)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH tx AS (
        SELECT t.* FROM "threadline".transactions t
         WHERE t.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(t.txid, p_upto)
           AND (p_after IS NULL OR (t.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(t.txid, p_after)))
    )
    SELECT 1::smallint, tx.id, "threadline".transaction_row_hash(tx.id, tx.txid, tx.started_at, tx.first_change_at, tx.actor_type,
               tx.actor_id, tx.on_behalf_of_type, tx.on_behalf_of_id, tx.request_id, tx.correlation_id, tx.trace_id,
               tx.job_id, tx.source, tx.context, tx.refused_context)
      FROM tx
    UNION ALL
    SELECT 2::smallint, c.id, "threadline".change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op, c.row_key,
               c.data_after, c.changed_fields, c.data_before, c.captured_at)
      FROM tx JOIN "threadline".changes c ON c.transaction_id = tx.id
    UNION ALL
    SELECT 3::smallint, p.id, "threadline".purge_row_hash(p.id, p.txid, p.purged_at, p.purged_by, p.kind, p.ids, p.row_count,
               p.digest, p.reason, p.detail)
      FROM "threadline".purge_log p
     WHERE p.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(p.txid, p_upto)
       AND (p_after IS NULL OR (p.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(p.txid, p_after)));
$fn$;

-- Digest of one seal's blocks, in (kind, block) order: the same expression for sealing and for verifying.
CREATE FUNCTION "threadline".seal_digest(p_seal_id bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(string_agg(int2send(b.kind) || int8send(b.block_no) || int4send(b.row_count) || b.digest, ''::bytea
                                      ORDER BY b.kind, b.block_no), ''::bytea))
      FROM "threadline".seal_blocks b WHERE b.seal_id = p_seal_id;
$fn$;

-- seal k = H(seal k-1 || digest of its rows || its identity, time, snapshot and row counts).
CREATE FUNCTION "threadline".seal_hash(
    p_previous_hash bytea, p_digest bytea, p_id bigint, p_previous_id bigint, p_sealed_at timestamptz, p_snapshot pg_snapshot,
    p_transactions bigint, p_changes bigint, p_purges bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(p_previous_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || p_digest
                  || convert_to(jsonb_build_array(p_id, p_previous_id, extract(epoch FROM p_sealed_at), p_snapshot::text,
                                                  p_transactions, p_changes, p_purges)::text, 'UTF8'));
$fn$;

-- Writes the next seal over everything that became visible since the previous one. Needs REPEATABLE READ: the
-- snapshot it records must be the one its reads used. p_skip_empty: write nothing when nothing new is visible.
CREATE FUNCTION "threadline".seal(p_skip_empty boolean DEFAULT false) RETURNS SETOF "threadline".seals
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_snapshot pg_snapshot := pg_current_snapshot();
    v_previous "threadline".seals;
    v_id       bigint;
    v_digest   bytea;
    v_counts   bigint[];
    v_at       timestamptz := now();
BEGIN
    IF current_setting('transaction_isolation') NOT IN ('repeatable read', 'serializable') THEN
        RAISE EXCEPTION 'threadline: seal() must run in a REPEATABLE READ transaction, so that the snapshot it records is the one it read'
            USING ERRCODE = '25000';
    END IF;
    SELECT * INTO v_previous FROM "threadline".seals s ORDER BY s.id DESC LIMIT 1;
    v_id := nextval(pg_get_serial_sequence(format('%I.seals', 'threadline'), 'id'));

    INSERT INTO "threadline".seal_blocks (seal_id, kind, block_no, row_count, digest, ids, hashes)
    SELECT v_id, r.kind, r.id >> 10, count(*),
           sha256(string_agg(int8send(r.id) || r.hash, ''::bytea ORDER BY r.id)),
           range_agg(int8range(r.id, r.id, '[]')),
           string_agg(substr(r.hash, 1, 8), ''::bytea ORDER BY r.id)
      FROM "threadline".sealed_rows(v_previous.snapshot, v_snapshot) r
     GROUP BY r.kind, r.id >> 10;

    SELECT ARRAY[coalesce(sum(b.row_count) FILTER (WHERE b.kind = 1), 0), coalesce(sum(b.row_count) FILTER (WHERE b.kind = 2), 0),
                 coalesce(sum(b.row_count) FILTER (WHERE b.kind = 3), 0)]
      INTO v_counts FROM "threadline".seal_blocks b WHERE b.seal_id = v_id;
    IF p_skip_empty AND v_previous.id IS NOT NULL AND v_counts = ARRAY[0, 0, 0]::bigint[] THEN
        RETURN;
    END IF;

    v_digest := "threadline".seal_digest(v_id);
    RETURN QUERY
    INSERT INTO "threadline".seals (id, previous_id, sealed_at, sealed_by, snapshot, transactions, changes, purges, digest, hash)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_previous.id, v_at, session_user, v_snapshot, v_counts[1], v_counts[2], v_counts[3], v_digest,
            "threadline".seal_hash(v_previous.hash, v_digest, v_id, v_previous.id, v_at, v_snapshot, v_counts[1], v_counts[2], v_counts[3]))
    RETURNING *;
END
$fn$;

-- Partition drops now record what they remove (ids and digest of the partition's changes) before the DROP.
CREATE OR REPLACE FUNCTION "threadline".drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.relname::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(format('%I.changes', 'threadline'))
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        CONTINUE WHEN v_partition.upper_bound > p_cutoff;
        RETURN QUERY EXECUTE format('SELECT %L::text, table_schema || ''.'' || table_name, count(*) FROM %I.%I GROUP BY 2',
                                    v_partition.name, 'threadline', v_partition.name);
        EXECUTE format($sql$
            INSERT INTO %I.purge_log (kind, ids, row_count, digest, reason, detail)
            SELECT 2, range_agg(int8range(c.id, c.id, '[]')), count(*),
                   sha256(string_agg(int8send(c.id) || %I.change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op,
                          c.row_key, c.data_after, c.changed_fields, c.data_before, c.captured_at), ''::bytea ORDER BY c.id)),
                   'partition', %L
              FROM %I.%I c HAVING count(*) > 0
            $sql$, 'threadline', 'threadline', v_partition.name, 'threadline', v_partition.name);
        EXECUTE format('DROP TABLE %I.%I', 'threadline', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- Append-only: the owner owns everything; retention may add purge-log entries and seal (through seal()), never
-- change or remove a seal or an entry; readers verify.
ALTER TABLE "threadline".purge_log OWNER TO "threadline_owner";
ALTER TABLE "threadline".seals OWNER TO "threadline_owner";
ALTER TABLE "threadline".seal_blocks OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".sealed_rows(pg_snapshot, pg_snapshot) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".seal_digest(bigint) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".seal(boolean) OWNER TO "threadline_owner";
REVOKE ALL ON "threadline".purge_log, "threadline".seals, "threadline".seal_blocks FROM PUBLIC;
REVOKE ALL ON FUNCTION "threadline".transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb),
    "threadline".change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz),
    "threadline".purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text),
    "threadline".sealed_rows(pg_snapshot, pg_snapshot), "threadline".seal_digest(bigint),
    "threadline".seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint),
    "threadline".seal(boolean) FROM PUBLIC;
GRANT SELECT ON "threadline".purge_log, "threadline".seals, "threadline".seal_blocks TO "threadline_reader", "threadline_retention";
GRANT INSERT ON "threadline".purge_log TO "threadline_retention";
GRANT EXECUTE ON FUNCTION "threadline".transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb),
    "threadline".change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz),
    "threadline".purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text),
    "threadline".sealed_rows(pg_snapshot, pg_snapshot), "threadline".seal_digest(bigint),
    "threadline".seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint)
    TO "threadline_reader", "threadline_retention";
GRANT EXECUTE ON FUNCTION "threadline".seal(boolean) TO "threadline_retention";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (9, 'tamper_evidence');
-- 10: completeness
-- Threadline audit schema: what the completeness check (CompletenessChecker) needs to tell an unaudited write from
-- one made before capture began or whose audit record retention has removed.

-- The transaction that enabled capture on the table (enabled_at is its time). A column default, so every way of
-- enabling capture records it (CaptureManager, ContinuityManager, the EnableScript of migration tools): the
-- registration INSERT runs in the enabling transaction, and re-applying options (ON CONFLICT DO UPDATE) keeps it.
ALTER TABLE "threadline".captured_tables
    ADD COLUMN capture_started_txid xid8,
    -- false for tables captured before this version: their start point is a lower bound, not the exact transaction.
    ADD COLUMN capture_start_exact boolean NOT NULL DEFAULT false,
    -- Set by retention when it removed changes of the table: older writes may have lost their audit record.
    ADD COLUMN history_purged_at timestamptz;

-- Tables captured before this version: the oldest audited transaction of the table, else this one. Rows written
-- earlier are reported as "before capture", never as audited and never as unaudited.
UPDATE "threadline".captured_tables ct
   SET capture_started_txid = coalesce(
        (SELECT min(t.txid) FROM "threadline".changes c JOIN "threadline".transactions t ON t.id = c.transaction_id
          WHERE c.table_schema = ct.table_schema AND c.table_name = ct.table_name),
        pg_current_xact_id());

ALTER TABLE "threadline".captured_tables
    ALTER COLUMN capture_started_txid SET DEFAULT pg_current_xact_id(),
    ALTER COLUMN capture_started_txid SET NOT NULL,
    ALTER COLUMN capture_start_exact SET DEFAULT true;

-- Retention records that it purged a table's history; it may read which tables are captured to do so.
GRANT SELECT (table_schema, table_name), UPDATE (history_purged_at) ON "threadline".captured_tables TO "threadline_retention";

-- The first p_limit values of a group: the completeness check collects its example rows in the same scan that
-- counts them, in bounded memory however many rows are unaudited.
CREATE FUNCTION "threadline".sample_append(p_state text[], p_value text, p_limit integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE WHEN cardinality(p_state) < p_limit THEN p_state || p_value ELSE p_state END;
$fn$;
CREATE AGGREGATE "threadline".sample(text, integer) (SFUNC = "threadline".sample_append, STYPE = text[], INITCOND = '{}');
ALTER FUNCTION "threadline".sample_append(text[], text, integer) OWNER TO "threadline_owner";
ALTER AGGREGATE "threadline".sample(text, integer) OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline".sample_append(text[], text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION "threadline".sample(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "threadline".sample_append(text[], text, integer) TO "threadline_reader";
GRANT EXECUTE ON FUNCTION "threadline".sample(text, integer) TO "threadline_reader";

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (10, 'completeness');
-- 11: ascending_time_indexes
-- Threadline audit schema, version 11: the time-ordered indexes in ascending order.
--
-- Every index that ends in a capture or start time was declared DESC, the order the timelines read. Times only grow,
-- so in a descending index each new entry is the smallest of its group and goes to the far left of it; B-tree splits a
-- full page there in half, and pages that receive no later entries stay half empty. Measured on 720,000 captured
-- changes (docs/benchmarks.md, "Ascending time indexes"): changes_time_idx, changes_table_time_idx and
-- transactions_actor_idx at 50% leaf density, changes_row_idx at 74%, against 90% for the ascending primary keys. In
-- ascending order a new entry is the largest of its group: PostgreSQL splits the rightmost page at the fill factor, and
-- a group's last page after the new entry, so pages stay full. A B-tree reads backwards as fast as forwards, so the
-- newest-first timelines (ORDER BY captured_at DESC, id DESC) use these indexes as before.

DROP INDEX "threadline".changes_time_idx;
CREATE INDEX changes_time_idx ON "threadline".changes (captured_at, id);
DROP INDEX "threadline".changes_table_time_idx;
CREATE INDEX changes_table_time_idx ON "threadline".changes (table_schema, table_name, captured_at, id);
DROP INDEX "threadline".changes_row_idx;
CREATE INDEX changes_row_idx ON "threadline".changes (table_schema, table_name, row_key, captured_at, id);
DROP INDEX "threadline".changes_rare_op_idx;
CREATE INDEX changes_rare_op_idx ON "threadline".changes (op, captured_at, id) WHERE op IN ('delete', 'truncate');
DROP INDEX "threadline".transactions_actor_idx;
CREATE INDEX transactions_actor_idx ON "threadline".transactions (actor_type, actor_id, started_at);
DROP INDEX "threadline".transactions_on_behalf_of_idx;
CREATE INDEX transactions_on_behalf_of_idx ON "threadline".transactions (on_behalf_of_type, on_behalf_of_id, started_at)
    WHERE on_behalf_of_type IS NOT NULL;
DROP INDEX "threadline".actions_actor_idx;
CREATE INDEX actions_actor_idx ON "threadline".actions (actor_type, actor_id, recorded_at);
DROP INDEX "threadline".actions_name_idx;
CREATE INDEX actions_name_idx ON "threadline".actions (name, recorded_at);

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (11, 'ascending_time_indexes');
-- 12: actor_on_changes
-- Threadline audit schema, version 12: the actor on every change row.
--
-- "What did this user change?" was a walk over the newest changes, probing each one's transaction for the actor: the
-- rarer the actor, the longer the walk (199 ms p95 at 5 million changes, docs/benchmarks.md). With the actor copied
-- onto each change, a page is one range of changes_actor_idx. The transaction row stays the record of attribution
-- (and what the seals hash); the copy is kept equal to it: the capture writes it from the transaction's actor, a late
-- context that attributes a transaction updates its earlier changes, and `verify integrity` reports a change whose
-- actor differs from its transaction's.
--
-- Changes written before this version are not rewritten: an UPDATE of the whole history would replace every change
-- row's xmin, which the completeness check matches against the data rows' (CompletenessSql), and double the table
-- until vacuum. They keep no copy; settings records the newest of them, and the by-actor filter reads them through
-- their transactions, after the copies (AuditSql): exact for both, and as fast as before only for the old rows.

ALTER TABLE "threadline".changes ADD COLUMN actor_type text, ADD COLUMN actor_id text;

-- Every capture waits for this migration's lock on changes, so no change without a copy can follow these values.
ALTER TABLE "threadline".settings
    ADD COLUMN uncopied_actor_max_id bigint,
    ADD COLUMN uncopied_actor_max_captured_at timestamptz;
COMMENT ON COLUMN "threadline".settings.uncopied_actor_max_id IS
    'The newest change written before schema version 12, which has no copy of its actor (NULL: none).';
UPDATE "threadline".settings
   SET uncopied_actor_max_id = (SELECT max(c.id) FROM "threadline".changes c),
       uncopied_actor_max_captured_at = (SELECT max(c.captured_at) FROM "threadline".changes c);

-- By actor id (and type), newest first; changes without an actor id (no context, anonymous) are not indexed.
CREATE INDEX changes_actor_idx ON "threadline".changes (actor_id, actor_type, captured_at, id)
    WHERE actor_id IS NOT NULL;

-- What the capture needs from the transaction row: its id and its actor.
CREATE TYPE "threadline".capture_transaction AS (id bigint, actor_type text, actor_id text);

-- ensure_transaction of version 8, returning the actor with the id.
CREATE FUNCTION "threadline".ensure_transaction_actor(p_table text, p_require_actor boolean) RETURNS "threadline".capture_transaction
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
          FROM "threadline".transactions t
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
        IF v_stamp IS DISTINCT FROM (extract(epoch FROM now()) * 1000000)::bigint::text THEN
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
            SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor AND v_ctx IS NULL THEN
            PERFORM "threadline".refuse_write(p_table, v_refused);
        END IF;
        IF current_setting('threadline.action', true) = v_xid::text THEN
            SELECT a.id INTO v_action FROM "threadline".actions a
             WHERE a.txid = v_xid AND a.tx_started_at = now()
             ORDER BY a.id LIMIT 1;
        END IF;
        INSERT INTO "threadline".transactions AS t
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
          FROM "threadline".transactions t
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
            SELECT s.require_actor INTO p_require_actor FROM "threadline".settings s;
            p_require_actor := coalesce(p_require_actor, false);
        END IF;
        IF p_require_actor THEN
            PERFORM "threadline".refuse_write(p_table, v_refused);
        END IF;
        IF v_refused IS NOT NULL THEN
            UPDATE "threadline".transactions t SET refused_context = v_refused
             WHERE t.id = v_id AND t.refused_context IS NULL;
        END IF;
    ELSE
        -- A context that arrives after an unattributed write attributes the transaction.
        UPDATE "threadline".transactions t
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}',
               on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
               request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
               trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source',
               context = v_extra
         WHERE t.id = v_id;
        -- The transaction's earlier changes were written without an actor; they carry the transaction's from now on.
        UPDATE "threadline".changes c
           SET actor_type = v_ctx #>> '{actor,type}', actor_id = v_ctx #>> '{actor,id}'
         WHERE c.transaction_id = v_id;
        PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
        RETURN ROW(v_id, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}');
    END IF;
    PERFORM set_config('threadline.captured', v_prefix || coalesce(v_raw, ''), true);
    RETURN ROW(v_id, NULL::text, NULL::text);
END
$fn$;

-- Capture functions generated before version 12 call ensure_transaction and insert changes without the actor columns;
-- they keep working until capture is re-applied, and their rows still get the actor: the columns default to the
-- current transaction's actor, read from its transaction row (created by the same statement, before the rows).
-- Functions generated now name both columns, so the defaults cost them nothing.
CREATE OR REPLACE FUNCTION "threadline".ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT (x).id FROM (SELECT "threadline".ensure_transaction_actor(p_table, p_require_actor) AS x) s;
$fn$;

CREATE FUNCTION "threadline".transaction_actor(p_part text) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE p_part WHEN 'type' THEN t.actor_type ELSE t.actor_id END
      FROM "threadline".transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

ALTER TABLE "threadline".changes
    ALTER COLUMN actor_type SET DEFAULT "threadline".transaction_actor('type'),
    ALTER COLUMN actor_id SET DEFAULT "threadline".transaction_actor('id');

ALTER TYPE "threadline".capture_transaction OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".ensure_transaction_actor(text, boolean) OWNER TO "threadline_owner";
ALTER FUNCTION "threadline".transaction_actor(text) OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline".ensure_transaction_actor(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION "threadline".transaction_actor(text) FROM PUBLIC;

INSERT INTO "threadline"."schema_versions" (version, name) VALUES (12, 'actor_on_changes');
COMMIT;
