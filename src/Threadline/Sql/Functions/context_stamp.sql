-- The transaction stamp of an audit context: the start of the current transaction (now(), fixed for a transaction and
-- different between the transactions of one server connection) in microseconds since the epoch. set_context writes it
-- to threadline.context_tx; read_context and begin_change use a context only when its stamp is this one.
-- The one SQL place of the expression; NpgsqlAuditExtensions sends the same expression inline, without the schema
-- (ContextStampTests keeps the two equal). PL/pgSQL, not SQL: a SQL function with a SET clause is not inlined, and its
-- body was parsed and planned again in every transaction that called it (measured in the capture's first write of a
-- transaction; a PL/pgSQL function keeps its plan for the session).
CREATE OR REPLACE FUNCTION {{schema}}.context_stamp() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    RETURN (extract(epoch FROM now()) * 1000000)::bigint::text;
END
$fn$;

ALTER FUNCTION {{schema}}.context_stamp() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.context_stamp() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.context_stamp() TO {{writer}};
