-- Hands the audit context to this transaction, stamped with it (context_stamp). A procedure, so that as a prefix
-- statement (CALL) it adds no result set in front of the caller's own results. Invoker rights and no SET clause: the
-- settings must outlive the call.
CREATE OR REPLACE PROCEDURE {{schema}}.set_context(p_context text)
LANGUAGE sql AS $fn$
    SELECT pg_catalog.set_config('threadline.context', p_context, true),
           pg_catalog.set_config('threadline.context_tx', {{schema}}.context_stamp(), true);
$fn$;

ALTER PROCEDURE {{schema}}.set_context(text) OWNER TO {{owner}};
REVOKE ALL ON PROCEDURE {{schema}}.set_context(text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE {{schema}}.set_context(text) TO {{writer}};
