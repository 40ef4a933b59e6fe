-- Digest of one seal's blocks, in (kind, block) order: the same expression for sealing and for verifying.
CREATE OR REPLACE FUNCTION {{schema}}.seal_digest(p_seal_id bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(string_agg(int2send(b.kind) || int8send(b.block_no) || int4send(b.row_count) || b.digest, ''::bytea
                                      ORDER BY b.kind, b.block_no), ''::bytea))
      FROM {{schema}}.seal_blocks b WHERE b.seal_id = p_seal_id;
$fn$;

ALTER FUNCTION {{schema}}.seal_digest(bigint) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.seal_digest(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.seal_digest(bigint) TO {{reader}}, {{retention}};
