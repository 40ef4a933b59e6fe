-- What the audit span of a transaction reports (docs/telemetry.md). The writer role cannot read the audit tables; this
-- returns only the current transaction's audit id, the tables it changed and its change count: no actor, no ids from
-- the context, no row data.
CREATE OR REPLACE FUNCTION {{schema}}.current_transaction_summary(OUT transaction_id bigint, OUT tables text[], OUT changes bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.id,
           array_agg(DISTINCT c.table_schema || '.' || c.table_name) FILTER (WHERE c.id IS NOT NULL),
           count(c.id)
      FROM {{schema}}.transactions t
      -- captured_at is never earlier than the transaction's start: the bound lets partitioned changes be pruned.
      LEFT JOIN {{schema}}.changes c ON c.transaction_id = t.id AND c.captured_at >= now()
     -- _if_assigned: asking a transaction that wrote nothing must not give it a transaction id just to find no row.
     WHERE t.txid = pg_current_xact_id_if_assigned() AND t.started_at = now()
     GROUP BY t.id;
$fn$;

ALTER FUNCTION {{schema}}.current_transaction_summary() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.current_transaction_summary() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.current_transaction_summary() TO {{writer}};
