-- Raises a capture refusal (begin_change's refusal): the first row a refused statement writes calls it in place of its
-- transaction id, so a statement that changes no row is never refused. 'anonymous': a strict table's refusal of the
-- anonymous actor (TL003); 'actor': a write that needs an actor, with the leak named when a context was there but not
-- this transaction's (p_refused).
CREATE OR REPLACE FUNCTION {{schema}}.refuse(p_table text, p_refusal text, p_refused jsonb) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF p_refusal = 'anonymous' THEN
        RAISE EXCEPTION 'threadline: a write to % needs an authenticated actor, and this transaction''s actor is anonymous', p_table
            USING ERRCODE = 'TL003',
                  HINT = 'Require authentication on the endpoint that writes, attribute such requests to another actor in the actor resolver, or allow anonymous writes to this table explicitly (TableCaptureOptions.AllowAnonymous).';
    ELSIF p_refused ->> 'reason' = 'stale' THEN
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

ALTER FUNCTION {{schema}}.refuse(text, text, jsonb) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.refuse(text, text, jsonb) FROM PUBLIC;
