-- Threadline audit schema, version 11: the time-ordered indexes in ascending order.
--
-- Every index that ends in a capture or start time was declared DESC, the order the timelines read. Times only grow,
-- so in a descending index each new entry is the smallest of its group and goes to the far left of it; B-tree splits a
-- full page there in half, and pages that receive no later entries stay half empty. Measured on 720,000 captured
-- changes (docs/benchmarks.md, "Ascending time indexes"): changes_time_idx, changes_table_time_idx and
-- transactions_actor_idx at 50% leaf density, changes_row_idx at 74%, against 90% for the ascending primary keys. In
-- ascending order a new entry is the largest of its group: PostgreSQL splits the rightmost page at the fill factor, and
-- a group's last page after the new entry, so pages stay full. A B-tree reads backwards as fast as forwards, so the
-- newest-first timelines (ORDER BY captured_at DESC, id DESC) use these indexes as before.

DROP INDEX {{schema}}.changes_time_idx;
CREATE INDEX changes_time_idx ON {{schema}}.changes (captured_at, id);
DROP INDEX {{schema}}.changes_table_time_idx;
CREATE INDEX changes_table_time_idx ON {{schema}}.changes (table_schema, table_name, captured_at, id);
DROP INDEX {{schema}}.changes_row_idx;
CREATE INDEX changes_row_idx ON {{schema}}.changes (table_schema, table_name, row_key, captured_at, id);
DROP INDEX {{schema}}.changes_rare_op_idx;
CREATE INDEX changes_rare_op_idx ON {{schema}}.changes (op, captured_at, id) WHERE op IN ('delete', 'truncate');
DROP INDEX {{schema}}.transactions_actor_idx;
CREATE INDEX transactions_actor_idx ON {{schema}}.transactions (actor_type, actor_id, started_at);
DROP INDEX {{schema}}.transactions_on_behalf_of_idx;
CREATE INDEX transactions_on_behalf_of_idx ON {{schema}}.transactions (on_behalf_of_type, on_behalf_of_id, started_at)
    WHERE on_behalf_of_type IS NOT NULL;
DROP INDEX {{schema}}.actions_actor_idx;
CREATE INDEX actions_actor_idx ON {{schema}}.actions (actor_type, actor_id, recorded_at);
DROP INDEX {{schema}}.actions_name_idx;
CREATE INDEX actions_name_idx ON {{schema}}.actions (name, recorded_at);
