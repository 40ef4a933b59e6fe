-- RetentionPurger: one batch of actions recorded before the action cutoff ($6; $7 the batch size).
WITH doomed AS (DELETE FROM {{schema}}.actions WHERE id IN (SELECT a.id FROM {{schema}}.actions a WHERE a.recorded_at < $6 LIMIT $7) RETURNING 1)
SELECT 'actions', count(*) FROM doomed
