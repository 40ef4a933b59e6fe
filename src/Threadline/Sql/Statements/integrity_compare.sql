-- IntegrityVerifier: the blocks of seal $1 whose digest differs from a recomputation over its window ($2, $3]
-- (snapshots as text), and whether such a block is wholly accounted for by the purge log.
WITH cur AS (
    SELECT r.kind, r.id >> 10 AS block_no, sha256(string_agg(int8send(r.id) || r.hash, ''::bytea ORDER BY r.id)) AS digest
      FROM {{schema}}.sealed_rows($2::text::pg_snapshot, $3::text::pg_snapshot) r GROUP BY 1, 2),
stored AS (SELECT b.kind, b.block_no, b.row_count, b.digest, b.ids FROM {{schema}}.seal_blocks b WHERE b.seal_id = $1),
purged AS (SELECT p.kind, range_agg(p.ids) AS ids FROM {{schema}}.purge_log p GROUP BY p.kind)
SELECT coalesce(s.kind, c.kind), coalesce(s.block_no, c.block_no), c.kind IS NULL AND coalesce(s.ids <@ pu.ids, false), coalesce(s.row_count, 0)
  FROM cur c FULL JOIN stored s ON s.kind = c.kind AND s.block_no = c.block_no
  LEFT JOIN purged pu ON pu.kind = coalesce(s.kind, c.kind)
 WHERE c.digest IS DISTINCT FROM s.digest
