-- IntegrityVerifier: changes without their transaction row, transactions carrying an xid not issued yet, and changes
-- whose copy of the actor differs from their transaction's; at most $1 of each.
(SELECT 'orphan', c.id FROM {{schema}}.changes c WHERE NOT EXISTS (SELECT FROM {{schema}}.transactions t WHERE t.id = c.transaction_id) ORDER BY c.id LIMIT $1)
UNION ALL
(SELECT 'future', t.id FROM {{schema}}.transactions t WHERE t.txid >= pg_snapshot_xmax(pg_current_snapshot()) ORDER BY t.id LIMIT $1)
UNION ALL
-- The seals hash the actor on the transaction row; its copy on each change (what by-actor lookups search) is checked
-- against it here, so an edited copy cannot hide a change from, or add one to, an actor's timeline. Changes written
-- before schema version 12 have no copy (settings.uncopied_actor_max_id).
(SELECT 'actor', c.id FROM {{schema}}.changes c JOIN {{schema}}.transactions t ON t.id = c.transaction_id
  WHERE (c.actor_type, c.actor_id) IS DISTINCT FROM (t.actor_type, t.actor_id)
    AND NOT (c.actor_type IS NULL AND c.actor_id IS NULL AND c.id <= coalesce((SELECT s.uncopied_actor_max_id FROM {{schema}}.settings s), 0))
  ORDER BY c.id LIMIT $1)
