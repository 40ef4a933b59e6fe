-- IntegrityVerifier: row by row within the blocks of seal $1 that differ ($4 kinds, $5 block numbers; ids from $6 to
-- before $7), stored id and hash prefix against the rows recomputed over the seal's window ($2, $3].
WITH wanted AS (SELECT * FROM unnest($4::smallint[], $5::bigint[]) AS w(kind, block_no)),
stored AS (
    SELECT b.kind, g.id, substr(b.hashes, ((row_number() OVER (PARTITION BY b.kind, b.block_no ORDER BY g.id) - 1) * 8 + 1)::int, 8) AS short
      FROM {{schema}}.seal_blocks b JOIN wanted w ON w.kind = b.kind AND w.block_no = b.block_no
     CROSS JOIN LATERAL unnest(b.ids) AS r(span)
     CROSS JOIN LATERAL generate_series(lower(r.span), upper(r.span) - 1) AS g(id)
     WHERE b.seal_id = $1),
cur AS (
    SELECT r.kind, r.id, substr(r.hash, 1, 8) AS short
      FROM {{schema}}.sealed_rows($2::text::pg_snapshot, $3::text::pg_snapshot) r
      JOIN wanted w ON w.kind = r.kind AND w.block_no = r.id >> 10
     WHERE r.id >= $6 AND r.id < $7),
purged AS (SELECT p.kind, range_agg(p.ids) AS ids FROM {{schema}}.purge_log p GROUP BY p.kind)
SELECT coalesce(s.kind, c.kind), coalesce(s.id, c.id) >> 10,  coalesce(s.id, c.id),
       CASE WHEN c.id IS NULL THEN CASE WHEN coalesce(pu.ids @> s.id, false) THEN 'purged' ELSE 'deleted' END
            WHEN s.id IS NULL THEN 'inserted' ELSE 'changed' END
  FROM stored s FULL JOIN cur c ON c.kind = s.kind AND c.id = s.id
  LEFT JOIN purged pu ON pu.kind = s.kind
 WHERE s.short IS DISTINCT FROM c.short
 ORDER BY 1, 3
