-- PartitioningManager.EnableAsync: swaps the (empty, locked) changes table for one range-partitioned by capture time,
-- with the same columns, constraints and indexes (the old table's, read from the catalog, go in below; a unique index
-- gains the partition key, as PostgreSQL requires), and re-issues the grants, the foreign key and the two views
-- V013 gave the table. The partitions themselves are created next, by ensure_change_partitions.
DROP VIEW {{schema}}.transactions;
DROP VIEW {{schema}}.change_log;
CREATE TABLE {{schema}}.changes_partitioned (LIKE {{schema}}.changes INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (captured_at);
DROP TABLE {{schema}}.changes;
ALTER TABLE {{schema}}.changes_partitioned RENAME TO changes;
ALTER TABLE {{schema}}.changes ADD CONSTRAINT changes_pkey PRIMARY KEY (id, captured_at);
{{indexes}}
ALTER TABLE {{schema}}.changes
    ADD CONSTRAINT changes_action_fk FOREIGN KEY (action_id) REFERENCES {{schema}}.actions (id) ON DELETE SET NULL;
CREATE TABLE {{schema}}.changes_default PARTITION OF {{schema}}.changes DEFAULT;
ALTER TABLE {{schema}}.changes OWNER TO {{owner}};
ALTER TABLE {{schema}}.changes_default OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.changes FROM PUBLIC;
GRANT SELECT ON {{schema}}.changes TO {{reader}};
GRANT SELECT, DELETE ON {{schema}}.changes TO {{retention}};
CREATE VIEW {{schema}}.transactions AS
SELECT c.id, c.txid, c.started_at, c.captured_at AS first_change_at, c.actor_type, c.actor_id, c.on_behalf_of_type,
       c.on_behalf_of_id, c.request_id, c.correlation_id, c.trace_id, c.job_id, c.source, c.context,
       -- The transaction's first action: set on the head when it was recorded before the first write, else found by the
       -- transaction's (txid, started_at) (actions_tx_idx), so recording an action never rewrites a change row.
       coalesce(c.action_id, (SELECT min(a.id) FROM {{schema}}.actions a WHERE a.txid = c.txid AND a.tx_started_at = c.started_at)) AS action_id,
       c.refused_context
  FROM {{schema}}.changes c
 WHERE c.id = c.tx_id;
ALTER TABLE {{schema}}.transactions OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.transactions FROM PUBLIC;
GRANT SELECT ON {{schema}}.transactions TO {{reader}}, {{retention}};

-- Every change as people read it (V013__one_row_per_change.sql) (psql, the incident playbook): its table's name, its operation's name, its key as JSON
-- ({"id": 42}, rebuilt from the image and the table's key columns), the fields an update changed, and its
-- transaction's actor (from the head). Readers that must use the indexes filter the tables themselves (AuditSql).
CREATE VIEW {{schema}}.change_log AS
SELECT c.id, c.tx_id AS transaction_id, tb.table_schema, tb.table_name,
       CASE c.op WHEN 'i' THEN 'insert' WHEN 'u' THEN 'update' WHEN 'd' THEN 'delete' WHEN 't' THEN 'truncate' WHEN 'b' THEN 'baseline' END AS op,
       CASE WHEN c.op <> 't' THEN (SELECT jsonb_object_agg(k.k, coalesce(c.data_after, c.data_before) -> k.k) FROM unnest(tb.key_columns) k(k)) END AS row_key,
       c.data_after,
       CASE WHEN c.op = 'u' AND c.data_before IS NOT NULL THEN ARRAY(SELECT f.f FROM jsonb_object_keys(c.data_before) f(f) ORDER BY f.f) END AS changed_fields,
       c.data_before, c.captured_at, t.actor_type, t.actor_id
  FROM {{schema}}.changes c
  JOIN {{schema}}.tables tb ON tb.table_id = c.table_id
  JOIN {{schema}}.changes t ON t.id = c.tx_id;
ALTER TABLE {{schema}}.change_log OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.change_log FROM PUBLIC;
GRANT SELECT ON {{schema}}.change_log TO {{reader}}, {{retention}};
