-- IntegrityVerifier: changes without their head (transaction), heads carrying an xid not issued yet, and heads that
-- share their database transaction with another head; at most $1 of each. The seals hash every change with its head's
-- context, so these are the checks a seal cannot make: rows removed or added around the sealed ones.
(SELECT 'orphan', c.id FROM {{schema}}.changes c
  WHERE c.tx_id <> c.id AND NOT EXISTS (SELECT FROM {{schema}}.changes h WHERE h.id = c.tx_id AND h.tx_id = h.id)
  ORDER BY c.id LIMIT $1)
UNION ALL
(SELECT 'future', h.id FROM {{schema}}.changes h
  WHERE h.id = h.tx_id AND h.txid >= pg_snapshot_xmax(pg_current_snapshot()) ORDER BY h.id LIMIT $1)
UNION ALL
-- The context lives on the head only: a non-head carrying one was written or edited outside capture.
(SELECT 'actor', c.id FROM {{schema}}.changes c
  WHERE c.tx_id <> c.id AND (c.txid, c.actor_type, c.actor_id) IS DISTINCT FROM (NULL::xid8, NULL::text, NULL::text)
  ORDER BY c.id LIMIT $1)
