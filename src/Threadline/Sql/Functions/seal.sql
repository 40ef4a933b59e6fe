-- Writes the next seal over everything that became visible since the previous one. Needs REPEATABLE READ: the
-- snapshot it records must be the one its reads used. p_skip_empty: write nothing when nothing new is visible.
CREATE OR REPLACE FUNCTION {{schema}}.seal(p_skip_empty boolean DEFAULT false) RETURNS SETOF {{schema}}.seals
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
    -- The transactions a seal covers are its heads (schema version 13 hashes no transaction rows of its own): counted,
    -- and bound into the seal's hash with the rest.
    v_counts[1] := (SELECT count(*) FROM {{schema}}.changes h
                     WHERE h.id = h.tx_id AND h.txid < pg_snapshot_xmax(v_snapshot) AND pg_visible_in_snapshot(h.txid, v_snapshot)
                       AND (v_previous.snapshot IS NULL OR (h.txid >= pg_snapshot_xmin(v_previous.snapshot) AND NOT pg_visible_in_snapshot(h.txid, v_previous.snapshot))));
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

ALTER FUNCTION {{schema}}.seal(boolean) OWNER TO {{owner}};
REVOKE ALL ON FUNCTION {{schema}}.seal(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {{schema}}.seal(boolean) TO {{retention}};
