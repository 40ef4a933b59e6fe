-- The functional checks of docs/design/audit-record-v1.md, by hand, on a database where --pgbench --install record-v1
-- (or record-v1-masked) ran:  psql -v CTX="SELECT set_config('threadline.context', '{\"actor\":{\"type\":\"user\",\"id\":\"42\"}}', true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true)" -f functional.sql
-- Expected: two refusals (42501, TL002); the rows and heads listed at the end as in the doc.
\pset format unaligned
BEGIN; :CTX \g /dev/null
INSERT INTO items(name,qty,price,tags,meta,updated_at) VALUES ('a',1,1.5,'{x}','{"k":1}',now()),('b',2,2.5,'{y}','{"k":2}',now());
UPDATE items SET qty = qty + 1 WHERE id = 1;
UPDATE items SET qty = qty WHERE id = 2;
UPDATE items SET meta = '{"k":9}' WHERE id = 2;
UPDATE items SET name = 'bb' WHERE id = 2;
COMMIT;
BEGIN; :CTX \g /dev/null
UPDATE items SET qty = 5 WHERE id = 1; COMMIT;
INSERT INTO items(name) VALUES ('nocontext');
BEGIN; SELECT set_config('threadline.context', '{"actor":{"type":"user","id":"42"}}', true) \g /dev/null
INSERT INTO items(name) VALUES ('unstamped'); COMMIT;
UPDATE threadline.settings SET require_actor = true;
INSERT INTO items(name) VALUES ('strict-none');
UPDATE items SET qty = 0 WHERE id = -1;
BEGIN; :CTX \g /dev/null
INSERT INTO items(name) VALUES ('one');
SELECT set_config('threadline.context', '{"actor":{"type":"user","id":"43"}}', true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true) \g /dev/null
INSERT INTO items(name) VALUES ('two');
ROLLBACK;
BEGIN; :CTX \g /dev/null
SELECT set_config('threadline.captured', pg_current_xact_id()::text || '/1/', true) \g /dev/null
DELETE FROM items WHERE id = 1; TRUNCATE items; COMMIT;
UPDATE threadline.settings SET require_actor = false;
SELECT id, tx_id, op, table_id, row_key, data_after, data_before, txid IS NOT NULL head, actor_id, refused_context->>'reason' refused FROM threadline.changes ORDER BY id;
SELECT id, actor_id, first_change_at IS NOT NULL FROM threadline.transactions;
