-- Threadline audit schema, version 3: indexes behind the investigation filters that had none.

-- "What did the nightly job do on behalf of user 17?"
CREATE INDEX transactions_on_behalf_of_idx ON {{schema}}.transactions (on_behalf_of_type, on_behalf_of_id, started_at DESC)
    WHERE on_behalf_of_type IS NOT NULL;

-- Deletes and truncates are rare next to inserts and updates, so a filter on them must not scan the whole timeline.
-- A partial index keeps inserts and updates (nearly all captured rows) free of its write cost.
CREATE INDEX changes_rare_op_idx ON {{schema}}.changes (op, captured_at DESC, id DESC)
    WHERE op IN ('delete', 'truncate');
