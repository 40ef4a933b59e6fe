-- The audit transaction id (the head change's id) of the current database transaction, or NULL when nothing audited
-- was written yet.
CREATE OR REPLACE FUNCTION {{schema}}.current_transaction_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT c.id FROM {{schema}}.changes c
     WHERE c.txid = pg_current_xact_id_if_assigned() AND c.started_at = now() AND c.id = c.tx_id;
$fn$;

ALTER FUNCTION {{schema}}.current_transaction_id() OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.current_transaction_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.current_transaction_id() TO {{writer}};
