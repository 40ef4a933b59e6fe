-- Threadline audit schema: tamper evidence (seals over the audit trail, and a purge log).
-- A seal covers the audit rows whose writing transaction became visible (committed) after the previous seal's
-- snapshot and is visible in its own: commit order, not id order, decides what a seal covers, so a long transaction
-- with low ids is covered by the first seal that can see it. Row kinds: 1 transaction, 2 change, 3 purge-log entry.

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

-- Canonical row hashes: a JSON array of the columns (times as epoch numbers, so no DateStyle or TimeZone setting
-- changes the text). transactions.action_id is left out: retention of actions sets it to NULL on purpose.
-- Like every function of the schema, these pin search_path (LeastPrivilegeTests); the price is that they are not
-- inlined, about a fifth more time per hashed row.
CREATE FUNCTION {{schema}}.transaction_row_hash(
    p_id bigint, p_txid xid8, p_started_at timestamptz, p_first_change_at timestamptz, p_actor_type text, p_actor_id text,
    p_on_behalf_of_type text, p_on_behalf_of_id text, p_request_id text, p_correlation_id text, p_trace_id text,
    p_job_id text, p_source text, p_context jsonb, p_refused_context jsonb) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_txid::text, extract(epoch FROM p_started_at), extract(epoch FROM p_first_change_at),
        p_actor_type, p_actor_id, p_on_behalf_of_type, p_on_behalf_of_id, p_request_id, p_correlation_id, p_trace_id,
        p_job_id, p_source, p_context, p_refused_context)::text, 'UTF8'));
$fn$;

CREATE FUNCTION {{schema}}.change_row_hash(
    p_id bigint, p_transaction_id bigint, p_table_schema text, p_table_name text, p_op text, p_row_key jsonb,
    p_data_after jsonb, p_changed_fields text[], p_data_before jsonb, p_captured_at timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_transaction_id, p_table_schema, p_table_name, p_op, p_row_key,
        p_data_after, p_changed_fields, p_data_before, extract(epoch FROM p_captured_at))::text, 'UTF8'));
$fn$;

CREATE FUNCTION {{schema}}.purge_row_hash(
    p_id bigint, p_txid xid8, p_purged_at timestamptz, p_purged_by text, p_kind smallint, p_ids int8multirange,
    p_row_count bigint, p_digest bytea, p_reason text, p_detail text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(convert_to(jsonb_build_array(p_id, p_txid::text, extract(epoch FROM p_purged_at), p_purged_by, p_kind,
        p_ids::text, p_row_count, encode(p_digest, 'hex'), p_reason, p_detail)::text, 'UTF8'));
$fn$;

-- The rows a seal with snapshot p_upto covers after a seal with snapshot p_after (NULL: the first seal), with their
-- hashes. The xid bounds let the (txid, started_at) index find the window; the visibility tests decide it.
CREATE FUNCTION {{schema}}.sealed_rows(p_after pg_snapshot, p_upto pg_snapshot)
RETURNS TABLE (kind smallint, id bigint, hash bytea)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH tx AS (
        SELECT t.* FROM {{schema}}.transactions t
         WHERE t.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(t.txid, p_upto)
           AND (p_after IS NULL OR (t.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(t.txid, p_after)))
    )
    SELECT 1::smallint, tx.id, {{schema}}.transaction_row_hash(tx.id, tx.txid, tx.started_at, tx.first_change_at, tx.actor_type,
               tx.actor_id, tx.on_behalf_of_type, tx.on_behalf_of_id, tx.request_id, tx.correlation_id, tx.trace_id,
               tx.job_id, tx.source, tx.context, tx.refused_context)
      FROM tx
    UNION ALL
    SELECT 2::smallint, c.id, {{schema}}.change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op, c.row_key,
               c.data_after, c.changed_fields, c.data_before, c.captured_at)
      FROM tx JOIN {{schema}}.changes c ON c.transaction_id = tx.id
    UNION ALL
    SELECT 3::smallint, p.id, {{schema}}.purge_row_hash(p.id, p.txid, p.purged_at, p.purged_by, p.kind, p.ids, p.row_count,
               p.digest, p.reason, p.detail)
      FROM {{schema}}.purge_log p
     WHERE p.txid < pg_snapshot_xmax(p_upto) AND pg_visible_in_snapshot(p.txid, p_upto)
       AND (p_after IS NULL OR (p.txid >= pg_snapshot_xmin(p_after) AND NOT pg_visible_in_snapshot(p.txid, p_after)));
$fn$;

-- Digest of one seal's blocks, in (kind, block) order: the same expression for sealing and for verifying.
CREATE FUNCTION {{schema}}.seal_digest(p_seal_id bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(string_agg(int2send(b.kind) || int8send(b.block_no) || int4send(b.row_count) || b.digest, ''::bytea
                                      ORDER BY b.kind, b.block_no), ''::bytea))
      FROM {{schema}}.seal_blocks b WHERE b.seal_id = p_seal_id;
$fn$;

-- seal k = H(seal k-1 || digest of its rows || its identity, time, snapshot and row counts).
CREATE FUNCTION {{schema}}.seal_hash(
    p_previous_hash bytea, p_digest bytea, p_id bigint, p_previous_id bigint, p_sealed_at timestamptz, p_snapshot pg_snapshot,
    p_transactions bigint, p_changes bigint, p_purges bigint) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT sha256(coalesce(p_previous_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) || p_digest
                  || convert_to(jsonb_build_array(p_id, p_previous_id, extract(epoch FROM p_sealed_at), p_snapshot::text,
                                                  p_transactions, p_changes, p_purges)::text, 'UTF8'));
$fn$;

-- Writes the next seal over everything that became visible since the previous one. Needs REPEATABLE READ: the
-- snapshot it records must be the one its reads used. p_skip_empty: write nothing when nothing new is visible.
CREATE FUNCTION {{schema}}.seal(p_skip_empty boolean DEFAULT false) RETURNS SETOF {{schema}}.seals
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_snapshot pg_snapshot := pg_current_snapshot();
    v_previous {{schema}}.seals;
    v_id       bigint;
    v_digest   bytea;
    v_counts   bigint[];
    v_at       timestamptz := now();
BEGIN
    IF current_setting('transaction_isolation') NOT IN ('repeatable read', 'serializable') THEN
        RAISE EXCEPTION 'threadline: seal() must run in a REPEATABLE READ transaction, so that the snapshot it records is the one it read'
            USING ERRCODE = '25000';
    END IF;
    SELECT * INTO v_previous FROM {{schema}}.seals s ORDER BY s.id DESC LIMIT 1;
    v_id := nextval(pg_get_serial_sequence(format('%I.seals', '{{schema_name}}'), 'id'));

    INSERT INTO {{schema}}.seal_blocks (seal_id, kind, block_no, row_count, digest, ids, hashes)
    SELECT v_id, r.kind, r.id >> 10, count(*),
           sha256(string_agg(int8send(r.id) || r.hash, ''::bytea ORDER BY r.id)),
           range_agg(int8range(r.id, r.id, '[]')),
           string_agg(substr(r.hash, 1, 8), ''::bytea ORDER BY r.id)
      FROM {{schema}}.sealed_rows(v_previous.snapshot, v_snapshot) r
     GROUP BY r.kind, r.id >> 10;

    SELECT ARRAY[coalesce(sum(b.row_count) FILTER (WHERE b.kind = 1), 0), coalesce(sum(b.row_count) FILTER (WHERE b.kind = 2), 0),
                 coalesce(sum(b.row_count) FILTER (WHERE b.kind = 3), 0)]
      INTO v_counts FROM {{schema}}.seal_blocks b WHERE b.seal_id = v_id;
    IF p_skip_empty AND v_previous.id IS NOT NULL AND v_counts = ARRAY[0, 0, 0]::bigint[] THEN
        RETURN;
    END IF;

    v_digest := {{schema}}.seal_digest(v_id);
    RETURN QUERY
    INSERT INTO {{schema}}.seals (id, previous_id, sealed_at, sealed_by, snapshot, transactions, changes, purges, digest, hash)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_previous.id, v_at, session_user, v_snapshot, v_counts[1], v_counts[2], v_counts[3], v_digest,
            {{schema}}.seal_hash(v_previous.hash, v_digest, v_id, v_previous.id, v_at, v_snapshot, v_counts[1], v_counts[2], v_counts[3]))
    RETURNING *;
END
$fn$;

-- Partition drops now record what they remove (ids and digest of the partition's changes) before the DROP.
CREATE OR REPLACE FUNCTION {{schema}}.drop_change_partitions_before(p_cutoff timestamptz)
RETURNS TABLE (partition_name text, table_key text, row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    v_partition record;
BEGIN
    FOR v_partition IN
        SELECT c.relname::text AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_catalog.pg_inherits i
          JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = to_regclass(format('%I.changes', '{{schema_name}}'))
           AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
         ORDER BY 2
    LOOP
        CONTINUE WHEN v_partition.upper_bound > p_cutoff;
        RETURN QUERY EXECUTE format('SELECT %L::text, table_schema || ''.'' || table_name, count(*) FROM %I.%I GROUP BY 2',
                                    v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format($sql$
            INSERT INTO %I.purge_log (kind, ids, row_count, digest, reason, detail)
            SELECT 2, range_agg(int8range(c.id, c.id, '[]')), count(*),
                   sha256(string_agg(int8send(c.id) || %I.change_row_hash(c.id, c.transaction_id, c.table_schema, c.table_name, c.op,
                          c.row_key, c.data_after, c.changed_fields, c.data_before, c.captured_at), ''::bytea ORDER BY c.id)),
                   'partition', %L
              FROM %I.%I c HAVING count(*) > 0
            $sql$, '{{schema_name}}', '{{schema_name}}', v_partition.name, '{{schema_name}}', v_partition.name);
        EXECUTE format('DROP TABLE %I.%I', '{{schema_name}}', v_partition.name);
        partition_name := v_partition.name; table_key := NULL; row_count := NULL;
        RETURN NEXT;
    END LOOP;
END
$fn$;

-- Append-only: the owner owns everything; retention may add purge-log entries and seal (through seal()), never
-- change or remove a seal or an entry; readers verify.
ALTER TABLE {{schema}}.purge_log OWNER TO {{owner}};
ALTER TABLE {{schema}}.seals OWNER TO {{owner}};
ALTER TABLE {{schema}}.seal_blocks OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.sealed_rows(pg_snapshot, pg_snapshot) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.seal_digest(bigint) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint) OWNER TO {{owner}};
ALTER FUNCTION {{schema}}.seal(boolean) OWNER TO {{owner}};
REVOKE ALL ON {{schema}}.purge_log, {{schema}}.seals, {{schema}}.seal_blocks FROM PUBLIC;
REVOKE ALL ON FUNCTION {{schema}}.transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb),
    {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz),
    {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text),
    {{schema}}.sealed_rows(pg_snapshot, pg_snapshot), {{schema}}.seal_digest(bigint),
    {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint),
    {{schema}}.seal(boolean) FROM PUBLIC;
GRANT SELECT ON {{schema}}.purge_log, {{schema}}.seals, {{schema}}.seal_blocks TO {{reader}}, {{retention}};
GRANT INSERT ON {{schema}}.purge_log TO {{retention}};
GRANT EXECUTE ON FUNCTION {{schema}}.transaction_row_hash(bigint, xid8, timestamptz, timestamptz, text, text, text, text, text, text, text, text, text, jsonb, jsonb),
    {{schema}}.change_row_hash(bigint, bigint, text, text, text, jsonb, jsonb, text[], jsonb, timestamptz),
    {{schema}}.purge_row_hash(bigint, xid8, timestamptz, text, smallint, int8multirange, bigint, bytea, text, text),
    {{schema}}.sealed_rows(pg_snapshot, pg_snapshot), {{schema}}.seal_digest(bigint),
    {{schema}}.seal_hash(bytea, bytea, bigint, bigint, timestamptz, pg_snapshot, bigint, bigint, bigint)
    TO {{reader}}, {{retention}};
GRANT EXECUTE ON FUNCTION {{schema}}.seal(boolean) TO {{retention}};
