-- Threadline audit schema, version 12: the baseline. The tables, indexes, types, settings and grants of the first
-- released layout, collapsed from the unreleased steps 1 to 11 (issue 24). Version scripts hold table and data changes
-- only; every function, procedure and aggregate has one file in Sql/Functions with its current definition, which the
-- installer applies on every install and upgrade, after the version scripts (docs/capture.md, "Schema versions").
-- Placeholders: {{schema}} (quoted schema identifier), {{owner}}, {{reader}}, {{retention}}, {{writer}} (quoted role names).
-- Runs inside the installer's transaction, under a transaction-scoped advisory lock; a part after a
-- "-- threadline:after-functions" line would run after the function files (this script has none any more).

CREATE SCHEMA IF NOT EXISTS {{schema}} AUTHORIZATION {{owner}};
REVOKE ALL ON SCHEMA {{schema}} FROM PUBLIC;

-- One row per database transaction that changed at least one audited row.
CREATE TABLE {{schema}}.transactions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid             xid8        NOT NULL,
    -- Start of the database transaction (now()): identical for every change of the transaction.
    started_at       timestamptz NOT NULL,
    -- Wall-clock time of the transaction's first audited write (clock_timestamp()).
    first_change_at  timestamptz NOT NULL,
    actor_type       text,
    actor_id         text,
    on_behalf_of_type text,
    on_behalf_of_id  text,
    request_id       text,
    correlation_id   text,
    trace_id         text,
    job_id           text,
    source           text,
    -- The context JSON, kept only when it carries more than the columns hold (the bridges' JSON never does).
    context          jsonb,
    action_id        bigint,
    refused_context  jsonb,
    -- xid8 never wraps, but a restore into a new cluster restarts it: the start time keeps the key unique.
    CONSTRAINT transactions_txid_started_key UNIQUE (txid, started_at)
);
COMMENT ON COLUMN {{schema}}.transactions.refused_context IS
    'A context present in the transaction but not used for attribution: {"reason": "stale" | "unstamped", "context": raw text}.';
-- Times only grow: every time-ordered index is ascending, so new entries go to the rightmost page and pages stay full
-- (docs/benchmarks.md, "Ascending time indexes"); a B-tree reads backwards as fast as forwards for the newest-first timelines.
CREATE INDEX transactions_correlation_idx ON {{schema}}.transactions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX transactions_request_idx ON {{schema}}.transactions (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX transactions_job_idx ON {{schema}}.transactions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX transactions_trace_idx ON {{schema}}.transactions (trace_id) WHERE trace_id IS NOT NULL;
-- started_at is read only by retention, as a range: a BRIN index (rows arrive in time order), not a B-tree entry per row.
CREATE INDEX transactions_started_brin ON {{schema}}.transactions USING brin (started_at);
CREATE INDEX transactions_actor_idx ON {{schema}}.transactions (actor_type, actor_id, started_at);
-- "What did the nightly job do on behalf of user 17?"
CREATE INDEX transactions_on_behalf_of_idx ON {{schema}}.transactions (on_behalf_of_type, on_behalf_of_id, started_at)
    WHERE on_behalf_of_type IS NOT NULL;

-- One row per captured row change (or one per TRUNCATE statement, or one per baseline row).
-- No foreign key to transactions and no check on op: both were checked once per captured row, a quarter of the cost of
-- a bulk insert (docs/benchmarks.md, "Where the capture cost goes"). Only the capture functions write both tables,
-- always the transaction row first and in the same database transaction, and op only from literals; retention deletes
-- changes before their transaction rows.
CREATE TABLE {{schema}}.changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  bigint      NOT NULL,
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    -- insert, update, delete, truncate or baseline (the image of a row that existed when capture began).
    op              text        NOT NULL,
    -- The row's primary key with its natural JSON types, e.g. {"id": 42} or {"tenant_id": "a", "n": 3}.
    row_key         jsonb,
    data_after      jsonb,
    changed_fields  text[],
    -- Previous values of changed_fields (update) or the whole previous row (delete).
    data_before     jsonb,
    captured_at     timestamptz NOT NULL,
    -- A copy of the transaction's actor, so "what did this user change?" is one range of changes_actor_idx. The
    -- transaction row stays the record of attribution (and what the seals hash); the capture writes the copy from it,
    -- a late context that attributes a transaction updates its earlier changes, and `verify integrity` reports a
    -- change whose actor differs from its transaction's. Defaults: after the function files, below.
    actor_type      text,
    actor_id        text
);
CREATE INDEX changes_transaction_idx ON {{schema}}.changes (transaction_id);
CREATE INDEX changes_time_idx ON {{schema}}.changes (captured_at, id);
CREATE INDEX changes_table_time_idx ON {{schema}}.changes (table_schema, table_name, captured_at, id);
CREATE INDEX changes_row_idx ON {{schema}}.changes (table_schema, table_name, row_key, captured_at, id);
-- Deletes and truncates are rare next to inserts and updates, so a filter on them must not scan the whole timeline;
-- partial, so inserts and updates (nearly all captured rows) pay nothing for it.
CREATE INDEX changes_rare_op_idx ON {{schema}}.changes (op, captured_at, id) WHERE op IN ('delete', 'truncate');
-- By actor id (and type); changes without an actor id (no context, anonymous) are not indexed.
CREATE INDEX changes_actor_idx ON {{schema}}.changes (actor_id, actor_type, captured_at, id)
    WHERE actor_id IS NOT NULL;

-- Semantic "who did what and why" events, linked to the capture transaction of the same database transaction.
CREATE TABLE {{schema}}.actions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('ok', 'error')),
    reason          text,
    actor_type      text        NOT NULL,
    actor_id        text,
    request_id      text,
    correlation_id  text,
    job_id          text,
    trace_id        text,
    txid            xid8        NOT NULL,
    tx_started_at   timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX actions_correlation_idx ON {{schema}}.actions (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX actions_tx_idx ON {{schema}}.actions (txid, tx_started_at);
CREATE INDEX actions_actor_idx ON {{schema}}.actions (actor_type, actor_id, recorded_at);
CREATE INDEX actions_name_idx ON {{schema}}.actions (name, recorded_at);
ALTER TABLE {{schema}}.transactions
    ADD CONSTRAINT transactions_action_fk FOREIGN KEY (action_id) REFERENCES {{schema}}.actions (id) ON DELETE SET NULL;
CREATE INDEX transactions_action_idx ON {{schema}}.transactions (action_id) WHERE action_id IS NOT NULL;

-- Tables under capture and their options, so capture can be listed, verified and regenerated.
CREATE TABLE {{schema}}.captured_tables (
    table_schema    text        NOT NULL,
    table_name      text        NOT NULL,
    function_name   text        NOT NULL,
    key_columns     text[]      NOT NULL,
    options         jsonb       NOT NULL,
    -- When capture first started on the table: audit history is complete from here on.
    enabled_at      timestamptz NOT NULL DEFAULT now(),
    options_changed_at timestamptz NOT NULL DEFAULT now(),
    -- The transaction that enabled capture (enabled_at is its time), for the completeness check (CompletenessChecker).
    -- A column default, so every way of enabling capture records it (CaptureManager, ContinuityManager, the
    -- EnableScript of migration tools): the registration INSERT runs in the enabling transaction, and re-applying
    -- options (ON CONFLICT DO UPDATE) keeps it.
    capture_started_txid xid8   NOT NULL DEFAULT pg_current_xact_id(),
    -- false: the start point is a lower bound (the table's oldest audited transaction), not the exact transaction.
    capture_start_exact boolean NOT NULL DEFAULT true,
    -- Set by retention when it removed changes of the table: older writes may have lost their audit record.
    history_purged_at timestamptz,
    PRIMARY KEY (table_schema, table_name)
);

-- Ownership and least privilege: the owner role owns everything; application roles get no table rights at all.
ALTER TABLE {{schema}}.transactions OWNER TO {{owner}};
ALTER TABLE {{schema}}.changes OWNER TO {{owner}};
ALTER TABLE {{schema}}.actions OWNER TO {{owner}};
ALTER TABLE {{schema}}.captured_tables OWNER TO {{owner}};
REVOKE ALL ON ALL TABLES IN SCHEMA {{schema}} FROM PUBLIC;

GRANT USAGE ON SCHEMA {{schema}} TO {{reader}}, {{retention}}, {{writer}};
-- Also schema_versions (created by the installer before this script).
GRANT SELECT ON ALL TABLES IN SCHEMA {{schema}} TO {{reader}};
GRANT SELECT, DELETE ON {{schema}}.transactions, {{schema}}.changes, {{schema}}.actions TO {{retention}};
-- Coverage health checks run in application services: they need to read which tables are captured, not audit rows.
GRANT SELECT ON {{schema}}.captured_tables TO {{writer}};
-- Retention records that it purged a table's history; it may read which tables are captured to do so.
GRANT SELECT (table_schema, table_name), UPDATE (history_purged_at) ON {{schema}}.captured_tables TO {{retention}};

-- One row of installation-wide settings, changed only by the owner.
CREATE TABLE {{schema}}.settings (
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    -- Reject every captured write without an actor, whatever the table's own RequireActor option says
    -- (CaptureManager.SetRequireActorEverywhereAsync).
    require_actor boolean     NOT NULL DEFAULT false,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    -- Time partitioning of changes (PartitioningManager.EnableAsync, at install time); NULL: not partitioned.
    partition_interval text CHECK (partition_interval IN ('day', 'month')),
    -- Changes written by the unreleased versions before 12 have no copy of their actor; the by-actor filter reads the
    -- changes up to these through their transactions (AuditSql). Always NULL in an install of this baseline.
    uncopied_actor_max_id bigint,
    uncopied_actor_max_captured_at timestamptz
);
COMMENT ON COLUMN {{schema}}.settings.uncopied_actor_max_id IS
    'The newest change written before schema version 12, which has no copy of its actor (NULL: none).';
INSERT INTO {{schema}}.settings DEFAULT VALUES;
ALTER TABLE {{schema}}.settings OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.settings FROM PUBLIC;
GRANT SELECT ON {{schema}}.settings TO {{reader}};

-- Tamper evidence. A seal covers the audit rows whose writing transaction became visible (committed) after the
-- previous seal's snapshot and is visible in its own: commit order, not id order, decides what a seal covers, so a
-- long transaction with low ids is covered by the first seal that can see it. Row kinds: 1 transaction, 2 change,
-- 3 purge-log entry.

-- What retention removed on purpose: id ranges and a digest of the removed rows, so verify does not call it tampering.
CREATE TABLE {{schema}}.purge_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction: an entry is itself covered by the next seal, like any audit row.
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    purged_at   timestamptz NOT NULL DEFAULT now(),
    purged_by   text        NOT NULL DEFAULT session_user,
    kind        smallint    NOT NULL CHECK (kind IN (1, 2)),
    ids         int8multirange NOT NULL,
    row_count   bigint      NOT NULL,
    digest      bytea       NOT NULL,
    reason      text        NOT NULL CHECK (reason IN ('retention', 'partition')),
    detail      text
);
CREATE INDEX purge_log_txid_idx ON {{schema}}.purge_log (txid);

-- One row per seal; hash chains it to the previous one.
CREATE TABLE {{schema}}.seals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    previous_id  bigint,
    sealed_at    timestamptz NOT NULL,
    sealed_by    text        NOT NULL,
    snapshot     pg_snapshot NOT NULL,
    transactions bigint      NOT NULL,
    changes      bigint      NOT NULL,
    purges       bigint      NOT NULL,
    digest       bytea       NOT NULL,
    hash         bytea       NOT NULL
);
-- A seal has one successor: a second concurrent seal on the same predecessor fails instead of forking the chain.
CREATE UNIQUE INDEX seals_one_successor_idx ON {{schema}}.seals ((coalesce(previous_id, 0)));

-- Per seal, its rows in blocks of 1024 ids: the digest proves the block, the ids and 8-byte row hash prefixes
-- (in id order) name the changed, deleted or inserted row when it does not match.
CREATE TABLE {{schema}}.seal_blocks (
    seal_id    bigint   NOT NULL,
    kind       smallint NOT NULL,
    block_no   bigint   NOT NULL,
    row_count  integer  NOT NULL,
    digest     bytea    NOT NULL,
    ids        int8multirange NOT NULL,
    hashes     bytea    NOT NULL,
    PRIMARY KEY (seal_id, kind, block_no)
);

-- Append-only: the owner owns everything; retention may add purge-log entries and seal (through seal()), never
-- change or remove a seal or an entry; readers verify.
ALTER TABLE {{schema}}.purge_log OWNER TO {{owner}};
ALTER TABLE {{schema}}.seals OWNER TO {{owner}};
ALTER TABLE {{schema}}.seal_blocks OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.purge_log, {{schema}}.seals, {{schema}}.seal_blocks FROM PUBLIC;
GRANT SELECT ON {{schema}}.purge_log, {{schema}}.seals, {{schema}}.seal_blocks TO {{reader}}, {{retention}};
GRANT INSERT ON {{schema}}.purge_log TO {{retention}};

-- What the capture needs from the transaction row: its id and its actor (ensure_transaction_actor returns it).
CREATE TYPE {{schema}}.capture_transaction AS (id bigint, actor_type text, actor_id text);
ALTER TYPE {{schema}}.capture_transaction OWNER TO {{owner}};

-- The actor columns of this layout defaulted to the transaction's actor (transaction_actor, a function of this layout);
-- version 13 removes the columns and the function (V013__one_row_per_change.sql), so a fresh install never sets them.
