-- Frozen Threadline capture, schema version 5, written 2026-11-30 02:30 UTC by
-- `dotnet run -c Release --project tests/Threadline.Benchmarks -- --pgbench --freeze-capture <file>`.
-- Do not edit: it is the "before" that capture redesigns are compared with (variant threadline-v005).
-- Applied to a copy of bench_template after the threadline_* roles exist (FrozenCapture.ApplyAsync).

-- pg_dump --schema-only --schema=threadline
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: threadline; Type: SCHEMA; Schema: -; Owner: threadline_owner
--

CREATE SCHEMA threadline;


ALTER SCHEMA threadline OWNER TO threadline_owner;

--
-- Name: capture_public_items_cda7b43c4b(); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.capture_public_items_cda7b43c4b() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH c AS (
            SELECT jsonb_build_object('id', threadline_new_row."id") AS row_key, to_jsonb(threadline_new_row) AS data_after FROM new_rows threadline_new_row
        ), tx AS (
            SELECT "threadline".ensure_transaction('public.items', false) AS id WHERE EXISTS (SELECT FROM c)
        )
        INSERT INTO "threadline".changes (transaction_id, table_schema, table_name, op, row_key, data_after, captured_at)
        SELECT tx.id, 'public', 'items', 'insert', c.row_key, c.data_after, clock_timestamp() FROM c CROSS JOIN tx;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Transition tables hold old and new images in the same order; zipping the two arrays pairs them even when a
        -- key changes, in linear time whatever plan PL/pgSQL cached (a join cached for a one-row statement went quadratic).
        WITH z AS (
            SELECT z.before_full, z.after_full
              FROM unnest((SELECT array_agg(to_jsonb(threadline_old_row)) FROM old_rows threadline_old_row),
                          (SELECT array_agg(to_jsonb(threadline_new_row)) FROM new_rows threadline_new_row)) AS z(before_full, after_full)
        ), u AS (
            SELECT jsonb_build_object('id', z.after_full -> 'id') AS row_key, z.after_full AS after_row, z.before_full AS before_row FROM z
        ), c AS (
            SELECT u.row_key, u.after_row AS data_after, d.fields, d.before
              FROM u CROSS JOIN LATERAL (
                  SELECT array_agg(e.key ORDER BY e.key) AS fields, jsonb_object_agg(e.key, u.before_row -> e.key) AS before
                    FROM jsonb_each(u.after_row) e
                   WHERE e.value IS DISTINCT FROM u.before_row -> e.key) d
                 WHERE d.fields IS NOT NULL
        ), tx AS (
            SELECT "threadline".ensure_transaction('public.items', false) AS id WHERE EXISTS (SELECT FROM c)
        )
        INSERT INTO "threadline".changes (transaction_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)
        SELECT tx.id, 'public', 'items', 'update', c.row_key, c.data_after, c.fields, c.before, clock_timestamp() FROM c CROSS JOIN tx;
    ELSIF TG_OP = 'DELETE' THEN
        WITH c AS (
            SELECT jsonb_build_object('id', threadline_old_row."id") AS row_key, to_jsonb(threadline_old_row) AS data_before FROM old_rows threadline_old_row
        ), tx AS (
            SELECT "threadline".ensure_transaction('public.items', false) AS id WHERE EXISTS (SELECT FROM c)
        )
        INSERT INTO "threadline".changes (transaction_id, table_schema, table_name, op, row_key, data_before, captured_at)
        SELECT tx.id, 'public', 'items', 'delete', c.row_key, c.data_before, clock_timestamp() FROM c CROSS JOIN tx;
    ELSIF TG_OP = 'TRUNCATE' THEN
        INSERT INTO "threadline".changes (transaction_id, table_schema, table_name, op, captured_at)
        VALUES ("threadline".ensure_transaction('public.items', false), 'public', 'items', 'truncate', clock_timestamp());
    END IF;
    RETURN NULL;
END
$$;


ALTER FUNCTION threadline.capture_public_items_cda7b43c4b() OWNER TO threadline_owner;

--
-- Name: current_transaction_id(); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.current_transaction_id() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT t.id FROM "threadline".transactions t WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$$;


ALTER FUNCTION threadline.current_transaction_id() OWNER TO threadline_owner;

--
-- Name: drop_change_partitions_before(timestamp with time zone); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.drop_change_partitions_before(p_cutoff timestamp with time zone) RETURNS TABLE(partition_name text, table_key text, row_count bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
$$;


ALTER FUNCTION threadline.drop_change_partitions_before(p_cutoff timestamp with time zone) OWNER TO threadline_owner;

--
-- Name: ensure_change_partitions(integer); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.ensure_change_partitions(p_ahead integer DEFAULT 3) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
$$;


ALTER FUNCTION threadline.ensure_change_partitions(p_ahead integer) OWNER TO threadline_owner;

--
-- Name: ensure_transaction(text, boolean); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
$$;


ALTER FUNCTION threadline.ensure_transaction(p_table text, p_require_actor boolean) OWNER TO threadline_owner;

--
-- Name: read_context(); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.read_context() RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
$$;


ALTER FUNCTION threadline.read_context() OWNER TO threadline_owner;

--
-- Name: record_action(text, text, text); Type: FUNCTION; Schema: threadline; Owner: threadline_owner
--

CREATE FUNCTION threadline.record_action(p_name text, p_status text DEFAULT 'ok'::text, p_reason text DEFAULT NULL::text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
$$;


ALTER FUNCTION threadline.record_action(p_name text, p_status text, p_reason text) OWNER TO threadline_owner;

--
-- Name: set_context(text); Type: PROCEDURE; Schema: threadline; Owner: threadline_owner
--

CREATE PROCEDURE threadline.set_context(IN p_context text)
    LANGUAGE sql
    AS $$
    SELECT pg_catalog.set_config('threadline.context', p_context, true);
$$;


ALTER PROCEDURE threadline.set_context(IN p_context text) OWNER TO threadline_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: actions; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.actions (
    id bigint NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    reason text,
    actor_type text NOT NULL,
    actor_id text,
    request_id text,
    correlation_id text,
    job_id text,
    trace_id text,
    txid xid8 NOT NULL,
    tx_started_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT actions_status_check CHECK ((status = ANY (ARRAY['ok'::text, 'error'::text])))
);


ALTER TABLE threadline.actions OWNER TO threadline_owner;

--
-- Name: actions_id_seq; Type: SEQUENCE; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE threadline.actions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME threadline.actions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: captured_tables; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.captured_tables (
    table_schema text NOT NULL,
    table_name text NOT NULL,
    function_name text NOT NULL,
    key_columns text[] NOT NULL,
    options jsonb NOT NULL,
    enabled_at timestamp with time zone DEFAULT now() NOT NULL,
    options_changed_at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE threadline.captured_tables OWNER TO threadline_owner;

--
-- Name: changes; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.changes (
    id bigint NOT NULL,
    transaction_id bigint NOT NULL,
    table_schema text NOT NULL,
    table_name text NOT NULL,
    op text NOT NULL,
    row_key jsonb,
    data_after jsonb,
    changed_fields text[],
    data_before jsonb,
    captured_at timestamp with time zone NOT NULL,
    CONSTRAINT changes_op_check CHECK ((op = ANY (ARRAY['insert'::text, 'update'::text, 'delete'::text, 'truncate'::text, 'baseline'::text])))
);


ALTER TABLE threadline.changes OWNER TO threadline_owner;

--
-- Name: changes_id_seq; Type: SEQUENCE; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE threadline.changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME threadline.changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: schema_versions; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.schema_versions (
    version integer NOT NULL,
    name text NOT NULL,
    installed_at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE threadline.schema_versions OWNER TO threadline_owner;

--
-- Name: settings; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.settings (
    singleton boolean DEFAULT true NOT NULL,
    require_actor boolean DEFAULT false NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    partition_interval text,
    CONSTRAINT settings_partition_interval_check CHECK ((partition_interval = ANY (ARRAY['day'::text, 'month'::text]))),
    CONSTRAINT settings_singleton_check CHECK (singleton)
);


ALTER TABLE threadline.settings OWNER TO threadline_owner;

--
-- Name: transactions; Type: TABLE; Schema: threadline; Owner: threadline_owner
--

CREATE TABLE threadline.transactions (
    id bigint NOT NULL,
    txid xid8 NOT NULL,
    started_at timestamp with time zone NOT NULL,
    first_change_at timestamp with time zone NOT NULL,
    actor_type text,
    actor_id text,
    on_behalf_of_type text,
    on_behalf_of_id text,
    request_id text,
    correlation_id text,
    trace_id text,
    job_id text,
    source text,
    context jsonb,
    action_id bigint
);


ALTER TABLE threadline.transactions OWNER TO threadline_owner;

--
-- Name: transactions_id_seq; Type: SEQUENCE; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE threadline.transactions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME threadline.transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: actions actions_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.actions
    ADD CONSTRAINT actions_pkey PRIMARY KEY (id);


--
-- Name: captured_tables captured_tables_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.captured_tables
    ADD CONSTRAINT captured_tables_pkey PRIMARY KEY (table_schema, table_name);


--
-- Name: changes changes_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.changes
    ADD CONSTRAINT changes_pkey PRIMARY KEY (id);


--
-- Name: schema_versions schema_versions_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.schema_versions
    ADD CONSTRAINT schema_versions_pkey PRIMARY KEY (version);


--
-- Name: settings settings_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (singleton);


--
-- Name: transactions transactions_pkey; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (id);


--
-- Name: transactions transactions_txid_started_key; Type: CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.transactions
    ADD CONSTRAINT transactions_txid_started_key UNIQUE (txid, started_at);


--
-- Name: actions_actor_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX actions_actor_idx ON threadline.actions USING btree (actor_type, actor_id, recorded_at DESC);


--
-- Name: actions_correlation_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX actions_correlation_idx ON threadline.actions USING btree (correlation_id) WHERE (correlation_id IS NOT NULL);


--
-- Name: actions_name_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX actions_name_idx ON threadline.actions USING btree (name, recorded_at DESC);


--
-- Name: actions_tx_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX actions_tx_idx ON threadline.actions USING btree (txid, tx_started_at);


--
-- Name: changes_rare_op_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX changes_rare_op_idx ON threadline.changes USING btree (op, captured_at DESC, id DESC) WHERE (op = ANY (ARRAY['delete'::text, 'truncate'::text]));


--
-- Name: changes_row_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX changes_row_idx ON threadline.changes USING btree (table_schema, table_name, row_key, captured_at DESC, id DESC);


--
-- Name: changes_table_time_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX changes_table_time_idx ON threadline.changes USING btree (table_schema, table_name, captured_at DESC, id DESC);


--
-- Name: changes_time_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX changes_time_idx ON threadline.changes USING btree (captured_at DESC, id DESC);


--
-- Name: changes_transaction_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX changes_transaction_idx ON threadline.changes USING btree (transaction_id);


--
-- Name: transactions_action_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_action_idx ON threadline.transactions USING btree (action_id) WHERE (action_id IS NOT NULL);


--
-- Name: transactions_actor_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_actor_idx ON threadline.transactions USING btree (actor_type, actor_id, started_at DESC);


--
-- Name: transactions_correlation_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_correlation_idx ON threadline.transactions USING btree (correlation_id) WHERE (correlation_id IS NOT NULL);


--
-- Name: transactions_job_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_job_idx ON threadline.transactions USING btree (job_id) WHERE (job_id IS NOT NULL);


--
-- Name: transactions_on_behalf_of_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_on_behalf_of_idx ON threadline.transactions USING btree (on_behalf_of_type, on_behalf_of_id, started_at DESC) WHERE (on_behalf_of_type IS NOT NULL);


--
-- Name: transactions_request_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_request_idx ON threadline.transactions USING btree (request_id) WHERE (request_id IS NOT NULL);


--
-- Name: transactions_started_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_started_idx ON threadline.transactions USING btree (started_at DESC);


--
-- Name: transactions_trace_idx; Type: INDEX; Schema: threadline; Owner: threadline_owner
--

CREATE INDEX transactions_trace_idx ON threadline.transactions USING btree (trace_id) WHERE (trace_id IS NOT NULL);


--
-- Name: changes changes_transaction_id_fkey; Type: FK CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.changes
    ADD CONSTRAINT changes_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES threadline.transactions(id) ON DELETE CASCADE;


--
-- Name: transactions transactions_action_fk; Type: FK CONSTRAINT; Schema: threadline; Owner: threadline_owner
--

ALTER TABLE ONLY threadline.transactions
    ADD CONSTRAINT transactions_action_fk FOREIGN KEY (action_id) REFERENCES threadline.actions(id) ON DELETE SET NULL;


--
-- Name: SCHEMA threadline; Type: ACL; Schema: -; Owner: threadline_owner
--

GRANT USAGE ON SCHEMA threadline TO threadline_reader;
GRANT USAGE ON SCHEMA threadline TO threadline_retention;
GRANT USAGE ON SCHEMA threadline TO threadline_writer;


--
-- Name: FUNCTION capture_public_items_cda7b43c4b(); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.capture_public_items_cda7b43c4b() FROM PUBLIC;


--
-- Name: FUNCTION current_transaction_id(); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.current_transaction_id() FROM PUBLIC;
GRANT ALL ON FUNCTION threadline.current_transaction_id() TO threadline_writer;


--
-- Name: FUNCTION drop_change_partitions_before(p_cutoff timestamp with time zone); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.drop_change_partitions_before(p_cutoff timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION threadline.drop_change_partitions_before(p_cutoff timestamp with time zone) TO threadline_retention;


--
-- Name: FUNCTION ensure_change_partitions(p_ahead integer); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.ensure_change_partitions(p_ahead integer) FROM PUBLIC;
GRANT ALL ON FUNCTION threadline.ensure_change_partitions(p_ahead integer) TO threadline_retention;


--
-- Name: FUNCTION ensure_transaction(p_table text, p_require_actor boolean); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.ensure_transaction(p_table text, p_require_actor boolean) FROM PUBLIC;


--
-- Name: FUNCTION read_context(); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.read_context() FROM PUBLIC;


--
-- Name: FUNCTION record_action(p_name text, p_status text, p_reason text); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON FUNCTION threadline.record_action(p_name text, p_status text, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION threadline.record_action(p_name text, p_status text, p_reason text) TO threadline_writer;


--
-- Name: PROCEDURE set_context(IN p_context text); Type: ACL; Schema: threadline; Owner: threadline_owner
--

REVOKE ALL ON PROCEDURE threadline.set_context(IN p_context text) FROM PUBLIC;
GRANT ALL ON PROCEDURE threadline.set_context(IN p_context text) TO threadline_writer;


--
-- Name: TABLE actions; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.actions TO threadline_reader;
GRANT SELECT,DELETE ON TABLE threadline.actions TO threadline_retention;


--
-- Name: TABLE captured_tables; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.captured_tables TO threadline_reader;
GRANT SELECT ON TABLE threadline.captured_tables TO threadline_writer;


--
-- Name: TABLE changes; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.changes TO threadline_reader;
GRANT SELECT,DELETE ON TABLE threadline.changes TO threadline_retention;


--
-- Name: TABLE schema_versions; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.schema_versions TO threadline_reader;


--
-- Name: TABLE settings; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.settings TO threadline_reader;


--
-- Name: TABLE transactions; Type: ACL; Schema: threadline; Owner: threadline_owner
--

GRANT SELECT ON TABLE threadline.transactions TO threadline_reader;
GRANT SELECT,DELETE ON TABLE threadline.transactions TO threadline_retention;


--
-- PostgreSQL database dump complete
--



-- pg_dump --data-only --inserts: settings, captured_tables, schema_versions
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: captured_tables; Type: TABLE DATA; Schema: threadline; Owner: threadline_owner
--

INSERT INTO threadline.captured_tables VALUES ('public', 'items', 'capture_public_items_cda7b43c4b', '{id}', '{"mask": [], "exclude": [], "require_actor": false, "mask_placeholder": "[REDACTED]", "record_no_op_updates": false}', '2026-11-30 02:30:40.229295+00', '2026-11-30 02:30:40.229295+00');


--
-- Data for Name: schema_versions; Type: TABLE DATA; Schema: threadline; Owner: threadline_owner
--

INSERT INTO threadline.schema_versions VALUES (1, 'audit_schema', '2026-11-30 02:30:40.181986+00');
INSERT INTO threadline.schema_versions VALUES (2, 'strict_attribution_everywhere', '2026-11-30 02:30:40.181986+00');
INSERT INTO threadline.schema_versions VALUES (3, 'investigation_indexes', '2026-11-30 02:30:40.181986+00');
INSERT INTO threadline.schema_versions VALUES (4, 'operations', '2026-11-30 02:30:40.181986+00');
INSERT INTO threadline.schema_versions VALUES (5, 'change_partitioning', '2026-11-30 02:30:40.181986+00');


--
-- Data for Name: settings; Type: TABLE DATA; Schema: threadline; Owner: threadline_owner
--

INSERT INTO threadline.settings VALUES (true, false, '2026-11-30 02:30:40.181986+00', NULL);


--
-- PostgreSQL database dump complete
--



-- The capture triggers on items, from pg_dump --schema-only -t public.items
CREATE TRIGGER threadline_capture_delete AFTER DELETE ON public.items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_public_items_cda7b43c4b();
CREATE TRIGGER threadline_capture_insert AFTER INSERT ON public.items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_public_items_cda7b43c4b();
CREATE TRIGGER threadline_capture_truncate AFTER TRUNCATE ON public.items FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_public_items_cda7b43c4b();
CREATE TRIGGER threadline_capture_update AFTER UPDATE ON public.items REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION threadline.capture_public_items_cda7b43c4b();
