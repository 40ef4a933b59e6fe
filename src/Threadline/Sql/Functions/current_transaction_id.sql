-- The audit transaction id of the current database transaction, or NULL when nothing audited was written yet.
CREATE OR REPLACE FUNCTION {{schema}}.current_transaction_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.id FROM {{schema}}.transactions t WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

ALTER FUNCTION {{schema}}.current_transaction_id() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.current_transaction_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.current_transaction_id() TO {{writer}};
