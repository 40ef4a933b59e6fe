-- PartitioningManager.EnableAsync: swaps the (empty, locked) changes table for one range-partitioned by capture time,
-- with the same columns, constraints and indexes (the old table's, read from the catalog, go in below; a unique index
-- gains the partition key, as PostgreSQL requires), and re-issues the grants, the foreign key and the transactions
-- view V013 gave the table. The partitions themselves are created next, by ensure_change_partitions.
DROP VIEW {{schema}}.transactions;
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
       c.on_behalf_of_id, c.request_id, c.correlation_id, c.trace_id, c.job_id, c.source, c.context, c.action_id,
       c.refused_context
  FROM {{schema}}.changes c
 WHERE c.id = c.tx_id;
ALTER TABLE {{schema}}.transactions OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.transactions FROM PUBLIC;
GRANT SELECT ON {{schema}}.transactions TO {{reader}}, {{retention}};
