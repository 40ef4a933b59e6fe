-- Prototype of the audit record's final shape (issue 24, docs/design/audit-record-v1.md): NOT the library's schema.
-- Installed by the pgbench variants record-v1*, which add one generated capture function per table (RecordV1Capture).
--
-- One row per change. The first change of a transaction (its head: id = tx_id) carries the transaction's context;
-- every later change of the transaction points at it with tx_id. There is no transactions table: a transaction is
-- its head row, so a one-change transaction costs one audit tuple.

CREATE SCHEMA threadline;

-- What strict attribution everywhere reads (on the rare path of a write without context only).
CREATE TABLE threadline.settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    require_actor boolean NOT NULL DEFAULT false
);
INSERT INTO threadline.settings DEFAULT VALUES;

-- The captured-table registry that outlives capture: changes name their table by this id, so a dropped or
-- uncaptured table's history stays readable. A rename of the table gets a new row (table names are history).
CREATE TABLE threadline.tables (
    table_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_schema text NOT NULL,
    table_name text NOT NULL,
    key_columns text[] NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (table_schema, table_name)
);

-- Change ids: one sequence without cache, so ids follow the order of the writes across sessions (time ranges map to
-- id ranges) and a head's id is its transaction's id.
CREATE SEQUENCE threadline.change_id AS bigint;

CREATE TABLE threadline.changes (
    id bigint NOT NULL,
    tx_id bigint NOT NULL,                 -- the head change's id; = id on the head
    captured_at timestamptz NOT NULL,      -- clock_timestamp() of the row's capture
    table_id integer NOT NULL,             -- threadline.tables
    op "char" NOT NULL,                    -- i(nsert) u(pdate) d(elete) t(runcate) b(aseline)
    row_key text COLLATE "C",              -- the key as text: one column's text, or ROW(k1, k2)::text; NULL for truncate
    data_after jsonb,                      -- insert, update: the whole row after (redacted)
    data_before jsonb,                     -- update: before values of the changed columns only (changed_fields = its keys); delete: the whole row
    -- The head's transaction context; NULL on every other row (only the null bitmap pays).
    txid xid8,
    started_at timestamptz,
    actor_type text,
    actor_id text,
    on_behalf_of_type text,
    on_behalf_of_id text,
    request_id text,
    correlation_id text,
    trace_id text,
    job_id text,
    source text,
    context jsonb,                         -- the raw context, only when it holds more than the columns
    refused_context jsonb,                 -- a context that was not used (stale, unstamped)
    action_id bigint
);

ALTER TABLE threadline.changes ADD CONSTRAINT changes_pkey PRIMARY KEY (id);
-- Row history, newest first by id (ids follow time); the one random-position B-tree every change pays.
CREATE INDEX changes_row_idx ON threadline.changes (table_id, row_key, id);
-- A transaction's other changes (not its head): appended in id order, paid only by multi-change transactions.
CREATE INDEX changes_tx_idx ON threadline.changes (tx_id, id) WHERE tx_id <> id;
-- By actor: heads only (only heads carry the actor), so one entry per transaction, not per change.
CREATE INDEX changes_actor_idx ON threadline.changes (actor_id, actor_type, id) WHERE actor_id IS NOT NULL;
-- Time: ids grow with time, so a time range is an id range; the BRIN finds it at almost no insert cost.
CREATE INDEX changes_time_brin ON threadline.changes USING brin (captured_at) WITH (pages_per_range = 32);
-- The investigation filters of today's transactions table, on heads only and only when set.
CREATE INDEX changes_request_idx ON threadline.changes (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX changes_correlation_idx ON threadline.changes (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX changes_trace_idx ON threadline.changes (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX changes_job_idx ON threadline.changes (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX changes_on_behalf_of_idx ON threadline.changes (on_behalf_of_id, on_behalf_of_type, id) WHERE on_behalf_of_id IS NOT NULL;
CREATE INDEX changes_rare_op_idx ON threadline.changes (op, id) WHERE op IN ('d', 't');

-- Today's transactions, as a view over the heads.
CREATE VIEW threadline.transactions AS
SELECT c.id, c.txid, c.started_at, c.captured_at AS first_change_at, c.actor_type, c.actor_id, c.on_behalf_of_type,
       c.on_behalf_of_id, c.request_id, c.correlation_id, c.trace_id, c.job_id, c.source, c.context, c.action_id,
       c.refused_context
  FROM threadline.changes c
 WHERE c.id = c.tx_id;

-- What a capture statement needs from its transaction. tx NULL: the write is refused (refusal says why), raised by
-- the first row the statement writes, so a statement that changes no row is never refused.
CREATE TYPE threadline.capture_head AS (
    tx bigint, fresh boolean, refusal text, txid xid8,
    actor_type text, actor_id text, on_behalf_of_type text, on_behalf_of_id text, request_id text,
    correlation_id text, trace_id text, job_id text, source text, context jsonb, refused_context jsonb);

CREATE FUNCTION threadline.refuse(p_table text, p_refusal text, p_refused jsonb) RETURNS bigint
LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_refusal = 'changed' THEN
        RAISE EXCEPTION 'threadline: the audit context changed within a transaction: one transaction has one actor'
            USING ERRCODE = 'TL002', HINT = 'Write for another actor, request or job in its own transaction.';
    ELSIF p_refused ->> 'reason' = 'stale' THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and the audit context on this connection was set by an earlier transaction', p_table
            USING ERRCODE = 'TL001';
    ELSIF p_refused ->> 'reason' = 'unstamped' THEN
        RAISE EXCEPTION 'threadline: a write to % needs an actor, and the audit context has no transaction stamp', p_table
            USING ERRCODE = 'TL001';
    END IF;
    RAISE EXCEPTION 'threadline: a write to % needs an actor, and this transaction has none', p_table USING ERRCODE = '42501';
END
$fn$;

-- The settings a capture reads, read in one PL/pgSQL expression: PL/pgSQL re-initialises every expression it evaluates
-- once per transaction, so on a one-statement transaction each expression costs as much as a small query.
CREATE TYPE threadline.capture_settings AS (xid xid8, raw text, hint text, stamp text);

-- Called by the generated capture functions (SECURITY DEFINER, search_path pinned) once per statement; itself
-- without SET search_path (which would cost a GUC save/restore per call) and executable by the owner only.
-- First write of a transaction: check the stamp, parse and check the context, take the transaction's id, and leave
-- a transaction-local hint (xid/head id/raw context). Later statements: the hint names the head; the head row is read
-- by primary key and must carry this transaction's xid, so a forged hint cannot move a change into another
-- transaction, and attribution always comes from the head, never from the hint.
-- The bridges' context (an actor object with a string id and nothing else, stamped by this transaction) takes a
-- path of five expressions; every other case the full checks below, with their exact errors.
CREATE FUNCTION threadline.begin_change(p_table text, p_require_actor boolean) RETURNS threadline.capture_head
LANGUAGE plpgsql AS $fn$
DECLARE
    s         threadline.capture_settings := ROW(pg_current_xact_id(), NULLIF(current_setting('threadline.context', true), ''),
                                                 current_setting('threadline.captured', true), current_setting('threadline.context_tx', true));
    v_prefix  text;
    v_rest    text;
    v_slash   integer;
    v_ctx     jsonb;
    v_type    text;
    h         threadline.capture_head;
    v_head    record;
    v_head_id bigint;
BEGIN
    IF s.hint IS NULL OR NOT starts_with(s.hint, s.xid::text || '/') THEN
        -- A transaction's first write.
        v_ctx := CASE WHEN s.stamp = (extract(epoch FROM now()) * 1000000)::bigint::text AND s.raw LIKE '{"actor":{%}' THEN s.raw::jsonb END;
        IF v_ctx - 'actor' = '{}'::jsonb AND (v_ctx -> 'actor') - '{type,id}'::text[] = '{}'::jsonb
           AND v_ctx #>> '{actor,type}' IN ('user', 'admin', 'service_account', 'job', 'system')
           AND jsonb_typeof(v_ctx #> '{actor,id}') = 'string' AND v_ctx #>> '{actor,id}' <> '' THEN
            h := ROW(nextval('threadline.change_id'), true, NULL, s.xid, v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::threadline.capture_head;
            s.hint := set_config('threadline.captured', s.xid::text || '/' || h.tx || '/' || s.raw, true);
            RETURN h;
        END IF;
    END IF;

    v_prefix := s.xid::text || '/';
    IF starts_with(s.hint, v_prefix) THEN
        v_rest := substr(s.hint, length(v_prefix) + 1);
        v_slash := strpos(v_rest, '/');
        SELECT c.id, c.actor_type, c.actor_id, c.on_behalf_of_type, c.on_behalf_of_id, c.request_id, c.correlation_id,
               c.trace_id, c.job_id, c.source
          INTO v_head
          FROM threadline.changes c
         WHERE c.id = substr(v_rest, 1, v_slash - 1)::bigint AND c.txid = s.xid;
        IF FOUND THEN
            v_head_id := v_head.id;
            h.tx := v_head.id;
            h.fresh := false;
            h.actor_type := v_head.actor_type;
            h.actor_id := v_head.actor_id;
            IF substr(v_rest, v_slash + 1) = coalesce(s.raw, '') OR (s.raw IS NULL AND v_head.actor_type IS NOT NULL) THEN
                -- The common path: the transaction's context as before (or cleared after an attributed write).
                IF v_head.actor_type IS NULL AND p_require_actor THEN
                    h.tx := NULL;
                    h.refusal := 'actor';
                END IF;
                RETURN h;
            END IF;
        END IF;
    END IF;

    v_ctx := NULL;
    IF s.raw IS NOT NULL THEN
        IF s.stamp IS NULL OR s.stamp = '' OR s.stamp <> (extract(epoch FROM now()) * 1000000)::bigint::text THEN
            h.refused_context := jsonb_build_object('reason', CASE WHEN coalesce(s.stamp, '') = '' THEN 'unstamped' ELSE 'stale' END,
                                                    'context', left(s.raw, 2000));
        ELSE
            IF s.raw LIKE '{"actor":{%}' THEN
                v_ctx := s.raw::jsonb;
            ELSE
                BEGIN
                    v_ctx := s.raw::jsonb;
                EXCEPTION WHEN others THEN
                    RAISE EXCEPTION 'threadline: the audit context in threadline.context is not valid JSON' USING ERRCODE = '22023';
                END;
            END IF;
            IF jsonb_typeof(v_ctx) <> 'object' OR jsonb_typeof(v_ctx -> 'actor') IS DISTINCT FROM 'object' THEN
                RAISE EXCEPTION 'threadline: the audit context must be a JSON object with an "actor" object' USING ERRCODE = '22023';
            END IF;
            v_type := v_ctx #>> '{actor,type}';
            IF v_type IS NULL OR v_type NOT IN ('user', 'admin', 'service_account', 'job', 'system', 'anonymous') THEN
                RAISE EXCEPTION 'threadline: unknown actor type "%" in the audit context', coalesce(v_type, '(none)') USING ERRCODE = '22023';
            END IF;
            IF v_type <> 'anonymous' AND coalesce(v_ctx #>> '{actor,id}', '') = '' THEN
                RAISE EXCEPTION 'threadline: actor of type "%" has no id in the audit context', v_type USING ERRCODE = '22023';
            END IF;
        END IF;
    END IF;

    IF v_head_id IS NOT NULL THEN
        -- A later statement under a different context than the transaction's first write.
        IF v_head.actor_type IS NOT NULL THEN
            IF v_ctx IS NOT NULL AND
               (v_head.actor_type, v_head.actor_id, v_head.on_behalf_of_type, v_head.on_behalf_of_id, v_head.request_id,
                v_head.correlation_id, v_head.trace_id, v_head.job_id, v_head.source)
               IS DISTINCT FROM
               (v_type, v_ctx #>> '{actor,id}', v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}',
                v_ctx ->> 'request_id', v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id', v_ctx ->> 'source') THEN
                h.tx := NULL;
                h.refusal := 'changed';
            END IF;
            RETURN h;
        END IF;
        IF v_ctx IS NOT NULL THEN
            -- A context that arrives after an unattributed write attributes the transaction: its head.
            UPDATE threadline.changes c
               SET actor_type = v_type, actor_id = v_ctx #>> '{actor,id}',
                   on_behalf_of_type = v_ctx #>> '{on_behalf_of,type}', on_behalf_of_id = v_ctx #>> '{on_behalf_of,id}',
                   request_id = v_ctx ->> 'request_id', correlation_id = v_ctx ->> 'correlation_id',
                   trace_id = v_ctx ->> 'trace_id', job_id = v_ctx ->> 'job_id', source = v_ctx ->> 'source'
             WHERE c.id = v_head_id;
            h.actor_type := v_type;
            h.actor_id := v_ctx #>> '{actor,id}';
        ELSIF p_require_actor OR (SELECT st.require_actor FROM threadline.settings st) THEN
            h.tx := NULL;
            h.refusal := 'actor';
        END IF;
        PERFORM set_config('threadline.captured', v_prefix || h.tx || '/' || coalesce(s.raw, ''), true);
        RETURN h;
    END IF;

    -- The transaction's first write, other than the bridges' actor-only context.
    IF v_ctx IS NULL AND (p_require_actor OR (SELECT st.require_actor FROM threadline.settings st)) THEN
        h.refusal := 'actor';
        RETURN h;
    END IF;
    h.tx := nextval('threadline.change_id');
    h.fresh := true;
    h.txid := s.xid;
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
        -- The context is kept whole only when it holds more than the columns.
        h.context := CASE WHEN v_ctx = jsonb_strip_nulls(jsonb_build_object(
                              'actor', jsonb_build_object('type', v_type, 'id', h.actor_id),
                              'on_behalf_of', CASE WHEN v_ctx ? 'on_behalf_of' THEN jsonb_build_object('type', h.on_behalf_of_type, 'id', h.on_behalf_of_id) END,
                              'request_id', h.request_id, 'correlation_id', h.correlation_id, 'trace_id', h.trace_id,
                              'job_id', h.job_id, 'source', h.source))
                          THEN NULL ELSE v_ctx END;
    END IF;
    PERFORM set_config('threadline.captured', v_prefix || h.tx || '/' || coalesce(s.raw, ''), true);
    RETURN h;
END
$fn$;

REVOKE ALL ON FUNCTION threadline.begin_change(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION threadline.refuse(text, text, jsonb) FROM PUBLIC;
