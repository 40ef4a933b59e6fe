-- The state function of the sample aggregate: the first p_limit values of a group.
CREATE OR REPLACE FUNCTION {{schema}}.sample_append(p_state text[], p_value text, p_limit integer) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE WHEN cardinality(p_state) < p_limit THEN p_state || p_value ELSE p_state END;
$fn$;

ALTER FUNCTION {{schema}}.sample_append(text[], text, integer) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.sample_append(text[], text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.sample_append(text[], text, integer) TO {{reader}};
