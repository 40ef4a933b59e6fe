-- IntegrityVerifier: every seal with its predecessor's snapshot and whether it recomputes from its stored blocks.
SELECT s.id, s.previous_id, s.sealed_at, s.sealed_by, s.transactions, s.changes, s.purges, encode(s.hash, 'hex'),
       s.snapshot::text, p.snapshot::text, s.previous_id IS NULL OR p.id IS NOT NULL,
       -- Seals of schema version 12 hashed transaction rows (kind 1, counted); later ones count their heads, bound by the hash.
       s.digest = d.digest AND (s.changes, s.purges) = (b.c, b.p) AND (s.transactions = b.t OR b.t = 0)
       AND s.hash = {{schema}}.seal_hash(p.hash, d.digest, s.id, s.previous_id, s.sealed_at, s.snapshot, s.transactions, s.changes, s.purges)
  FROM {{schema}}.seals s
  LEFT JOIN {{schema}}.seals p ON p.id = s.previous_id
 CROSS JOIN LATERAL (SELECT {{schema}}.seal_digest(s.id) AS digest) d
 CROSS JOIN LATERAL (SELECT coalesce(sum(k.row_count) FILTER (WHERE k.kind = 1), 0) AS t, coalesce(sum(k.row_count) FILTER (WHERE k.kind = 2), 0) AS c,
                            coalesce(sum(k.row_count) FILTER (WHERE k.kind = 3), 0) AS p
                       FROM {{schema}}.seal_blocks k WHERE k.seal_id = s.id) b
 ORDER BY s.id
