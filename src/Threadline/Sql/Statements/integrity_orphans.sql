-- IntegrityVerifier: changes without their transaction row, and transactions carrying an xid not issued yet; at most
-- $1 of each.
(SELECT 'orphan', c.id FROM {{schema}}.changes c WHERE NOT EXISTS (SELECT FROM {{schema}}.transactions t WHERE t.id = c.transaction_id) ORDER BY c.id LIMIT $1)
UNION ALL
(SELECT 'future', t.id FROM {{schema}}.transactions t WHERE t.txid >= pg_snapshot_xmax(pg_current_snapshot()) ORDER BY t.id LIMIT $1)
