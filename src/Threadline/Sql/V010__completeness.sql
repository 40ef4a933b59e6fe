-- Threadline audit schema: what the completeness check (CompletenessChecker) needs to tell an unaudited write from
-- one made before capture began or whose audit record retention has removed.

-- The transaction that enabled capture on the table (enabled_at is its time). A column default, so every way of
-- enabling capture records it (CaptureManager, ContinuityManager, the EnableScript of migration tools): the
-- registration INSERT runs in the enabling transaction, and re-applying options (ON CONFLICT DO UPDATE) keeps it.
ALTER TABLE {{schema}}.captured_tables
    ADD COLUMN capture_started_txid xid8,
    -- false for tables captured before this version: their start point is a lower bound, not the exact transaction.
    ADD COLUMN capture_start_exact boolean NOT NULL DEFAULT false,
    -- Set by retention when it removed changes of the table: older writes may have lost their audit record.
    ADD COLUMN history_purged_at timestamptz;

-- Tables captured before this version: the oldest audited transaction of the table, else this one. Rows written
-- earlier are reported as "before capture", never as audited and never as unaudited.
UPDATE {{schema}}.captured_tables ct
   SET capture_started_txid = coalesce(
        (SELECT min(t.txid) FROM {{schema}}.changes c JOIN {{schema}}.transactions t ON t.id = c.transaction_id
          WHERE c.table_schema = ct.table_schema AND c.table_name = ct.table_name),
        pg_current_xact_id());

ALTER TABLE {{schema}}.captured_tables
    ALTER COLUMN capture_started_txid SET DEFAULT pg_current_xact_id(),
    ALTER COLUMN capture_started_txid SET NOT NULL,
    ALTER COLUMN capture_start_exact SET DEFAULT true;

-- Retention records that it purged a table's history; it may read which tables are captured to do so.
GRANT SELECT (table_schema, table_name), UPDATE (history_purged_at) ON {{schema}}.captured_tables TO {{retention}};

-- The first p_limit values of a group: the completeness check collects its example rows in the same scan that
-- counts them, in bounded memory however many rows are unaudited.
CREATE FUNCTION {{schema}}.sample_append(p_state text[], p_value text, p_limit integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE WHEN cardinality(p_state) < p_limit THEN p_state || p_value ELSE p_state END;
$fn$;
CREATE AGGREGATE {{schema}}.sample(text, integer) (SFUNC = {{schema}}.sample_append, STYPE = text[], INITCOND = '{}');
ALTER FUNCTION {{schema}}.sample_append(text[], text, integer) OWNER TO {{owner}};
ALTER AGGREGATE {{schema}}.sample(text, integer) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.sample_append(text[], text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION {{schema}}.sample(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.sample_append(text[], text, integer) TO {{reader}};
GRANT EXECUTE ON FUNCTION {{schema}}.sample(text, integer) TO {{reader}};
