-- PartitioningManager.EnableAsync: swaps the (empty, locked) changes table for one range-partitioned by capture time,
-- with the same columns, identity, constraints and indexes (the old table's, read from the catalog, go in below), and
-- re-issues the grants V001 gave the table. The partitions themselves are created next, by ensure_change_partitions.
CREATE TABLE {{schema}}.changes_partitioned (LIKE {{schema}}.changes INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) PARTITION BY RANGE (captured_at);
DROP TABLE {{schema}}.changes;
ALTER TABLE {{schema}}.changes_partitioned RENAME TO changes;
ALTER TABLE {{schema}}.changes ADD CONSTRAINT changes_pkey PRIMARY KEY (id, captured_at);
{{indexes}}
CREATE TABLE {{schema}}.changes_default PARTITION OF {{schema}}.changes DEFAULT;
ALTER TABLE {{schema}}.changes OWNER TO {{owner}};
ALTER TABLE {{schema}}.changes_default OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.changes FROM PUBLIC;
GRANT SELECT ON {{schema}}.changes TO {{reader}};
GRANT SELECT, DELETE ON {{schema}}.changes TO {{retention}};
