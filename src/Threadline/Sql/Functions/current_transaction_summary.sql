-- What the audit span of a transaction reports (docs/telemetry.md). The writer role cannot read the audit tables; this
-- returns only the current transaction's audit id, the tables it changed and its change count: no actor, no ids from
-- the context, no row data.
CREATE OR REPLACE FUNCTION {{schema}}.current_transaction_summary(OUT transaction_id bigint, OUT tables text[], OUT changes bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT h.id,
           array_agg(DISTINCT tb.table_schema || '.' || tb.table_name),
           count(*)
      FROM {{schema}}.changes h
      -- The head and its other changes (changes_tx_idx); captured_at is never earlier than the transaction's start: the
      -- bound lets partitioned changes be pruned.
      JOIN {{schema}}.changes c ON (c.id = h.id OR (c.tx_id = h.id AND c.tx_id <> c.id)) AND c.captured_at >= now()
      JOIN {{schema}}.tables tb ON tb.table_id = c.table_id
     -- _if_assigned: asking a transaction that wrote nothing must not give it a transaction id just to find no row.
     WHERE h.txid = pg_current_xact_id_if_assigned() AND h.started_at = now() AND h.id = h.tx_id
     GROUP BY h.id;
$fn$;

ALTER FUNCTION {{schema}}.current_transaction_summary() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.current_transaction_summary() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.current_transaction_summary() TO {{writer}};
