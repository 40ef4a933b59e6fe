-- AuditSealer.ExportAnchorAsync: the latest seal (or seal $1) with totals over the chain up to it.
SELECT s.id, s.sealed_at, encode(s.hash, 'hex'), t.transactions, t.changes, t.purges
  FROM {{schema}}.seals s
 CROSS JOIN LATERAL (SELECT sum(p.transactions)::bigint AS transactions, sum(p.changes)::bigint AS changes, sum(p.purges)::bigint AS purges
                       FROM {{schema}}.seals p WHERE p.id <= s.id) t
 WHERE $1::bigint IS NULL OR s.id = $1
 ORDER BY s.id DESC LIMIT 1
