-- RetentionPurger: one batch of transactions old enough ($5 the shortest cutoff) and left without changes ($7 the batch
-- size), logged in the purge log in the same statement.
WITH doomed AS (DELETE FROM {{schema}}.transactions
                 WHERE id IN (SELECT t.id FROM {{schema}}.transactions t
                               WHERE t.started_at < $5 AND NOT EXISTS (SELECT FROM {{schema}}.changes c WHERE c.transaction_id = t.id)
                               LIMIT $7)
                RETURNING *),
logged AS (
    INSERT INTO {{schema}}.purge_log (kind, ids, row_count, digest, reason)
    SELECT 1, range_agg(int8range(id, id, '[]')), count(*),
           sha256(string_agg(int8send(id) || {{schema}}.transaction_row_hash(id, txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
                                                                           request_id, correlation_id, trace_id, job_id, source, context, refused_context),
                             ''::bytea ORDER BY id)),
           'retention'
      FROM doomed HAVING count(*) > 0)
SELECT 'transactions', count(*) FROM doomed
