-- The audit transaction id of the current database transaction, created on its first audited write
-- (ensure_transaction_actor without the actor). Kept for capture functions that name no actor column: their rows get
-- the actor from the columns' defaults (transaction_actor). Functions generated now call ensure_transaction_actor.
CREATE OR REPLACE FUNCTION {{schema}}.ensure_transaction(p_table text, p_require_actor boolean) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT (x).id FROM (SELECT {{schema}}.ensure_transaction_actor(p_table, p_require_actor) AS x) s;
$fn$;

ALTER FUNCTION {{schema}}.ensure_transaction(text, boolean) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.ensure_transaction(text, boolean) FROM PUBLIC;
