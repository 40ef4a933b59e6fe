-- RetentionPurger: one batch: transactions old enough whole (the heads of purge_heads.sql, with all their changes) and
-- other changes old enough whose transaction stays ($7 the batch size of each), logged in the purge log (ids and digest
-- of what it removed) and marked on captured_tables in the same statement. Returns the removed count per table, the
-- number of transactions (table NULL) and how full the batch was (table '').
WITH heads AS ({{heads}} ORDER BY c.id LIMIT $7),
loose AS (SELECT c.id FROM {{schema}}.changes c WHERE c.tx_id <> c.id AND {{change_expired}} ORDER BY c.id LIMIT $7),
doomed AS (DELETE FROM {{schema}}.changes c
            WHERE c.id IN (SELECT h.id FROM heads h) OR (c.tx_id IN (SELECT h.id FROM heads h) AND c.tx_id <> c.id)
               OR c.id IN (SELECT l.id FROM loose l)
           RETURNING c.id, c.table_id,
                     {{schema}}.change_row_hash(c.id, c.tx_id, c.captured_at, c.table_id, c.op, c.row_key, c.data_after, c.data_before,
                         c.txid, c.started_at, c.actor_type, c.actor_id, c.on_behalf_of_type, c.on_behalf_of_id, c.request_id,
                         c.correlation_id, c.trace_id, c.job_id, c.source, c.context, c.refused_context) AS hash),
logged AS (
    INSERT INTO {{schema}}.purge_log (kind, ids, row_count, digest, reason)
    SELECT 2, range_agg(int8range(d.id, d.id, '[]')), count(*), sha256(string_agg(int8send(d.id) || d.hash, ''::bytea ORDER BY d.id)),
           'retention'
      FROM doomed d HAVING count(*) > 0),
counted AS (SELECT tb.table_schema, tb.table_name, count(*) AS n FROM doomed d JOIN {{schema}}.tables tb ON tb.table_id = d.table_id GROUP BY 1, 2),
-- In the same statement as the delete: the completeness check must know this history is gone.
marked AS (UPDATE {{schema}}.captured_tables ct SET history_purged_at = now() FROM counted d
            WHERE ct.table_schema = d.table_schema AND ct.table_name = d.table_name)
SELECT table_schema || '.' || table_name, n FROM counted
UNION ALL
SELECT NULL, count(*) FROM heads
UNION ALL
SELECT '', greatest((SELECT count(*) FROM heads), (SELECT count(*) FROM loose))
