#!/bin/bash
# The databases of the in-backend cost split (docs/design/audit-record-v1.md, "Where the microseconds go"), on a
# scratch cluster you started (PGARGS, default -h 127.0.0.1 -p 55432 -U postgres; superuser: the loops read
# /proc/self/schedstat). Run from the repository root after `dotnet build -c Release tests/Threadline.Benchmarks`.
# Then: loop.sh 2000 3 <databases>   (single-row insert and update, µs of backend CPU per transaction)
#       bulk.sh 2 <databases>       (1,000-row insert and 10,000-row update, µs per captured row)
set -e
ARGS=${PGARGS:--h 127.0.0.1 -p 55432 -U postgres}
P="/usr/lib/postgresql/15/bin/psql $ARGS -X -q"
HOSTPORT=$(echo "$ARGS" | sed -E 's/.*-h ([^ ]+).*-p ([0-9]+).*/Host=\1;Port=\2/')
INSTALL="dotnet tests/Threadline.Benchmarks/bin/Release/net10.0/Threadline.Benchmarks.dll --pgbench --install"
HERE=$(dirname "$0")
$P -c "CREATE DATABASE tmpl"
$P -d tmpl <<'SQL'
CREATE TABLE items(id bigserial PRIMARY KEY, name text, qty int, price numeric(10,2), tags text[], meta jsonb, updated_at timestamptz);
SELECT setseed(0.42);
INSERT INTO items(name,qty,price,tags,meta,updated_at)
SELECT 'item-'||g, g%1000, round((random()*1000)::numeric,2), ARRAY['tag'||(g%10),'tag'||(g%7)],
       jsonb_build_object('color',(ARRAY['red','green','blue'])[1+g%3],'weight',g%50,'sku','SKU-'||g), now()-(g||' seconds')::interval
FROM generate_series(1,100000) g;
VACUUM ANALYZE items;
SQL
install() { $P -c "CREATE DATABASE $2 TEMPLATE tmpl"; [ "$1" = none ] || $INSTALL $1 --database "$HOSTPORT;Username=postgres;Database=$2"; }
install none c_base
for d in c_empty c_txonly c_full c_noidx c_notxidx; do install threadline $d; done
install threadline-masked c_masked
for d in r_full r_x1 r_x2 r_noidx; do install record-v1 $d; done
install record-v1-masked r_masked
install floor f_floor
F=$($P -d c_full -Atc "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'threadline' AND proname LIKE 'capture_public_items%'")
# The current capture's trigger doing nothing (trigger entry, SECURITY DEFINER, transition tables), or only its transaction row.
$P -d c_empty -c "CREATE OR REPLACE FUNCTION $F RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$\$ BEGIN RETURN NULL; END \$\$"
$P -d c_txonly -c "CREATE OR REPLACE FUNCTION $F RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$\$ BEGIN PERFORM threadline.ensure_transaction_actor('public.items', false); RETURN NULL; END \$\$"
# Without the secondary indexes of changes, or of transactions.
$P -d c_noidx -Atc "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'threadline.changes'::regclass AND NOT indisprimary" | while read i; do $P -d c_noidx -c "DROP INDEX $i"; done
$P -d c_notxidx -Atc "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'threadline.transactions'::regclass AND NOT indisprimary AND NOT indisunique" | while read i; do $P -d c_notxidx -c "DROP INDEX $i"; done
$P -d r_noidx -Atc "SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'threadline.changes'::regclass AND NOT indisprimary" | while read i; do $P -d r_noidx -c "DROP INDEX $i"; done
# record-v1 with the minimal change insert (no head columns, no window, no update diff): with begin_change (r_x1), without (r_x2).
for d in r_x1 r_x2; do
  if [ $d = r_x1 ]; then BC="h := threadline.begin_change('public.items', false);"; else BC="h.tx := 0;"; fi
  $P -d $d <<SQL
CREATE OR REPLACE FUNCTION threadline.capture_items() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS \$c\$
DECLARE h threadline.capture_head;
BEGIN
  $BC
  IF TG_OP = 'INSERT' THEN
    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after)
    SELECT nextval('threadline.change_id'), h.tx, clock_timestamp(), 1, 'i', (r).id::text, to_jsonb(r) FROM new_rows r;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after)
    SELECT nextval('threadline.change_id'), h.tx, clock_timestamp(), 1, 'u', (r).id::text, to_jsonb(r) FROM new_rows r;
  END IF;
  RETURN NULL;
END \$c\$;
SQL
done
for d in c_base c_empty c_txonly c_full c_noidx c_notxidx c_masked r_full r_x1 r_x2 r_noidx r_masked f_floor; do
  $P -d $d -f "$HERE/loop.sql"; $P -d $d -f "$HERE/bulk.sql"
done
