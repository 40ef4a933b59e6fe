-- Threadline audit schema, version 2: strict attribution for every captured table.
-- V001 is frozen once released; later versions change it only by replacing objects here.

-- One row of installation-wide settings, changed only by the owner (CaptureManager.SetRequireActorEverywhereAsync).
CREATE TABLE {{schema}}.settings (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Reject every captured write without an actor, whatever the table's own RequireActor option says.
    require_actor boolean     NOT NULL DEFAULT false,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO {{schema}}.settings DEFAULT VALUES;
ALTER TABLE {{schema}}.settings OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.settings FROM PUBLIC;
GRANT SELECT ON {{schema}}.settings TO {{reader}};

-- Returns the audit transaction row of the current database transaction, creating it on the first audited write.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
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
