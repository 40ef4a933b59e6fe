-- The first p_limit values of a group (sample_append): the completeness check collects its example rows in the same
-- scan that counts them, in bounded memory however many rows are unaudited.
CREATE OR REPLACE AGGREGATE {{schema}}.sample(text, integer) (SFUNC = {{schema}}.sample_append, STYPE = text[], INITCOND = '{}');

ALTER AGGREGATE {{schema}}.sample(text, integer) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.sample(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.sample(text, integer) TO {{reader}};
