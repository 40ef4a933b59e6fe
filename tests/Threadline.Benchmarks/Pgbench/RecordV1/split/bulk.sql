CREATE OR REPLACE PROCEDURE bench_bulk(p_ins int, p_upd int, INOUT p_ins_ns bigint DEFAULT NULL, INOUT p_upd_ns bigint DEFAULT NULL) LANGUAGE plpgsql AS $$
DECLARE t0 bigint; s bigint;
BEGIN
  t0 := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
  FOR i IN 1..p_ins LOOP
    PERFORM set_config('threadline.context', '{"actor":{"type":"user","id":"42"}}', true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true);
    INSERT INTO items(name,qty,price,tags,meta,updated_at) SELECT 'new-item-'||g, g%1000, g*0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}'::jsonb, now() FROM generate_series(1,1000) g;
    COMMIT;
  END LOOP;
  p_ins_ns := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - t0;
  t0 := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
  FOR i IN 1..p_upd LOOP
    PERFORM set_config('threadline.context', '{"actor":{"type":"user","id":"42"}}', true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true);
    s := 1 + (i * 37 % 9) * 10000;
    UPDATE items SET qty = qty + 1, updated_at = now() WHERE id BETWEEN s AND s + 9999;
    COMMIT;
  END LOOP;
  p_upd_ns := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - t0;
END $$;
