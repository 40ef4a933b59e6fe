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

ALTER TABLE {{schema}}.changes ADD COLUMN actor_type text, ADD COLUMN actor_id text;

-- Every capture waits for this migration's lock on changes, so no change without a copy can follow these values.
ALTER TABLE {{schema}}.settings
    ADD COLUMN uncopied_actor_max_id bigint,
    ADD COLUMN uncopied_actor_max_captured_at timestamptz;
COMMENT ON COLUMN {{schema}}.settings.uncopied_actor_max_id IS
    'The newest change written before schema version 12, which has no copy of its actor (NULL: none).';
UPDATE {{schema}}.settings
   SET uncopied_actor_max_id = (SELECT max(c.id) FROM {{schema}}.changes c),
       uncopied_actor_max_captured_at = (SELECT max(c.captured_at) FROM {{schema}}.changes c);

-- By actor id (and type), newest first; changes without an actor id (no context, anonymous) are not indexed.
CREATE INDEX changes_actor_idx ON {{schema}}.changes (actor_id, actor_type, captured_at, id)
    WHERE actor_id IS NOT NULL;

-- What the capture needs from the transaction row: its id and its actor.
CREATE TYPE {{schema}}.capture_transaction AS (id bigint, actor_type text, actor_id text);

-- ensure_transaction of version 8, returning the actor with the id.
CREATE FUNCTION {{schema}}.ensure_transaction_actor(p_table text, p_require_actor boolean) RETURNS {{schema}}.capture_transaction
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

-- Capture functions generated before version 12 call ensure_transaction and insert changes without the actor columns;
-- they keep working until capture is re-applied, and their rows still get the actor: the columns default to the
-- current transaction's actor, read from its transaction row (created by the same statement, before the rows).
-- Functions generated now name both columns, so the defaults cost them nothing.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT (x).id FROM (SELECT {{schema}}.ensure_transaction_actor(p_table, p_require_actor) AS x) s;
$fn$;

CREATE FUNCTION {{schema}}.transaction_actor(p_part text) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE p_part WHEN 'type' THEN t.actor_type ELSE t.actor_id END
      FROM {{schema}}.transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

ALTER TABLE {{schema}}.changes
    ALTER COLUMN actor_type SET DEFAULT {{schema}}.transaction_actor('type'),
    ALTER COLUMN actor_id SET DEFAULT {{schema}}.transaction_actor('id');

ALTER TYPE {{schema}}.capture_transaction OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.ensure_transaction_actor(text, boolean) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.transaction_actor(text) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.ensure_transaction_actor(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION {{schema}}.transaction_actor(text) FROM PUBLIC;
