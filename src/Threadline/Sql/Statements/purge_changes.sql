-- RetentionPurger: one batch of changes ("old enough" is purge_change_expired.sql; $7 the batch size), logged in the
-- purge log (ids and digest of what it removed) and marked on captured_tables in the same statement. Returns the
-- removed count per table.
WITH doomed AS (DELETE FROM {{schema}}.changes
                 WHERE id IN (SELECT c.id FROM {{schema}}.changes c WHERE {{change_expired}} ORDER BY c.captured_at LIMIT $7)
                RETURNING *),
logged AS (
    INSERT INTO {{schema}}.purge_log (kind, ids, row_count, digest, reason)
    SELECT 2, range_agg(int8range(id, id, '[]')), count(*),
           sha256(string_agg(int8send(id) || {{schema}}.change_row_hash(id, transaction_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at),
                             ''::bytea ORDER BY id)),
           'retention'
      FROM doomed HAVING count(*) > 0),
counted AS (SELECT table_schema, table_name, count(*) AS n FROM doomed GROUP BY 1, 2),
-- In the same statement as the delete: the completeness check must know this history is gone.
marked AS (UPDATE {{schema}}.captured_tables ct SET history_purged_at = now() FROM counted d
            WHERE ct.table_schema = d.table_schema AND ct.table_name = d.table_name)
SELECT table_schema || '.' || table_name, n FROM counted
