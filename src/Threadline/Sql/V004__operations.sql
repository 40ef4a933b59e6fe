-- Threadline audit schema, version 4: baselines for tables that already hold data, and coverage checks by any role.

-- A baseline is the image of a row that existed when capture began: not a change anyone made, and never shown as one.
ALTER TABLE {{schema}}.changes DROP CONSTRAINT changes_op_check;
ALTER TABLE {{schema}}.changes ADD CONSTRAINT changes_op_check CHECK (op IN ('insert', 'update', 'delete', 'truncate', 'baseline'));

-- Coverage health checks run in application services: they need to read which tables are captured, not audit rows.
GRANT SELECT ON {{schema}}.captured_tables TO {{writer}};
