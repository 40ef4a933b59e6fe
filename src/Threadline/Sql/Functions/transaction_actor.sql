-- The current transaction's actor type ('type') or id (anything else), from its audit row: the default of the actor
-- columns of changes, for capture functions that do not name them.
CREATE OR REPLACE FUNCTION {{schema}}.transaction_actor(p_part text) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE p_part WHEN 'type' THEN t.actor_type ELSE t.actor_id END
      FROM {{schema}}.transactions t
     WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
$fn$;

ALTER FUNCTION {{schema}}.transaction_actor(text) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.transaction_actor(text) FROM PUBLIC;
