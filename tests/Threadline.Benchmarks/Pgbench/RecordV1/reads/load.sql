-- Synthetic history in the record-v1 layout, the investigation dataset's formulas (Investigation/InvestigationDataset.cs):
-- change j (0-based) at start + j/N of a 6-month window touches row (j * 7919 mod R) + 1 of table row mod 4; a row's
-- k-th change is an insert when k mod 25 = 0, a delete when k mod 25 = 24, an update otherwise; each block of 16
-- changes is 5 transactions of 1, 1, 2, 4 and 8 changes; transaction t: actor user-(t*31 mod 200) for t mod 20 < 17,
-- the service account for 17-18, the job for 19; three consecutive transactions share a correlation and trace id.
-- psql -v n=2000000 -v r=80021 -f load.sql, on a database where record-v1.sql was run (no trigger needed).
\set ON_ERROR_STOP 1
SET maintenance_work_mem = '512MB';
DROP INDEX threadline.changes_row_idx, threadline.changes_tx_idx, threadline.changes_actor_idx, threadline.changes_time_brin,
    threadline.changes_request_idx, threadline.changes_correlation_idx, threadline.changes_trace_idx, threadline.changes_job_idx,
    threadline.changes_on_behalf_of_idx, threadline.changes_rare_op_idx;
ALTER TABLE threadline.changes DROP CONSTRAINT changes_pkey;
INSERT INTO threadline.tables (table_schema, table_name, key_columns)
SELECT 'public', t, '{id}' FROM unnest(ARRAY['orders', 'customers', 'invoices', 'shipments']) t;
INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after, data_before, txid, started_at,
                                actor_type, actor_id, correlation_id, trace_id, request_id)
SELECT g.j + 1, x.head + 1, w.at, (r.row % 4) + 1,
       CASE WHEN k.k % 25 = 0 THEN 'i' WHEN k.k % 25 = 24 THEN 'd' ELSE 'u' END,
       r.row::text,
       CASE WHEN k.k % 25 <> 24 THEN jsonb_build_object('id', r.row, 'status', 'status-' || (k.k % 7), 'amount', (g.j % 10000) / 100.0,
                                                        'note', 'note for row ' || r.row, 'tags', jsonb_build_array('a', 'b'), 'version', k.k,
                                                        'updated_at', w.at) END,
       CASE WHEN k.k % 25 = 24 THEN jsonb_build_object('id', r.row, 'status', 'status-' || (k.k % 7), 'amount', 1.5, 'note', 'note for row ' || r.row,
                                                       'tags', jsonb_build_array('a', 'b'), 'version', k.k, 'updated_at', w.at)
            WHEN k.k % 25 <> 0 THEN jsonb_build_object('status', 'status-' || ((k.k - 1) % 7), 'version', k.k - 1) END,
       h.txid, h.started_at, h.actor_type, h.actor_id, h.corr, h.corr, h.req
  FROM generate_series(0::bigint, :n - 1) g(j)
 CROSS JOIN LATERAL (SELECT g.j * 7919 % :r + 1 AS row) r
 CROSS JOIN LATERAL (SELECT g.j / :r AS k) k
 CROSS JOIN LATERAL (SELECT now() - interval '6 months' + (interval '6 months') * (g.j::float8 / :n) AS at) w
 CROSS JOIN LATERAL (SELECT g.j % 16 AS o, g.j / 16 AS b) bo
 CROSS JOIN LATERAL (SELECT CASE WHEN bo.o = 0 THEN 0 WHEN bo.o = 1 THEN 1 WHEN bo.o < 4 THEN 2 WHEN bo.o < 8 THEN 3 ELSE 4 END AS k5,
                            bo.b * 16 + CASE WHEN bo.o = 0 THEN 0 WHEN bo.o = 1 THEN 1 WHEN bo.o < 4 THEN 2 WHEN bo.o < 8 THEN 4 ELSE 8 END AS head) x
 CROSS JOIN LATERAL (SELECT bo.b * 5 + x.k5 AS t) t
 LEFT JOIN LATERAL (SELECT (1000000 + t.t)::text::xid8 AS txid, w.at AS started_at,
                           CASE WHEN t.t % 20 < 17 THEN 'user' WHEN t.t % 20 < 19 THEN 'service_account' ELSE 'job' END AS actor_type,
                           CASE WHEN t.t % 20 < 17 THEN 'user-' || (t.t * 31 % 200) WHEN t.t % 20 < 19 THEN 'posts-worker' ELSE 'nightly-reindex' END AS actor_id,
                           'corr-' || (t.t / 3) AS corr, 'req-' || t.t AS req) h ON x.head = g.j;
ALTER TABLE threadline.changes ADD CONSTRAINT changes_pkey PRIMARY KEY (id);
CREATE INDEX changes_row_idx ON threadline.changes (table_id, row_key, id);
CREATE INDEX changes_tx_idx ON threadline.changes (tx_id, id) WHERE tx_id <> id;
CREATE INDEX changes_actor_idx ON threadline.changes (actor_id, actor_type, id) WHERE actor_id IS NOT NULL;
CREATE INDEX changes_time_brin ON threadline.changes USING brin (captured_at) WITH (pages_per_range = 32);
CREATE INDEX changes_request_idx ON threadline.changes (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX changes_correlation_idx ON threadline.changes (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX changes_trace_idx ON threadline.changes (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX changes_job_idx ON threadline.changes (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX changes_on_behalf_of_idx ON threadline.changes (on_behalf_of_id, on_behalf_of_type, id) WHERE on_behalf_of_id IS NOT NULL;
CREATE INDEX changes_rare_op_idx ON threadline.changes (op, id) WHERE op IN ('d', 't');
SELECT setval('threadline.change_id', :n);
VACUUM ANALYZE threadline.changes;
