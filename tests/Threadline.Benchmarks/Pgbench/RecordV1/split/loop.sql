CREATE OR REPLACE PROCEDURE bench_loop(p_n int, p_update boolean, INOUT p_ns bigint DEFAULT NULL) LANGUAGE plpgsql AS $$
DECLARE t0 bigint; i int;
BEGIN
  t0 := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
  FOR i IN 1..p_n LOOP
    PERFORM set_config('threadline.context', '{"actor":{"type":"user","id":"42"}}', true), set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, true);
    IF p_update THEN
      UPDATE items SET qty = qty + 1, updated_at = now() WHERE id = 1 + (i * 7919) % 100000;
    ELSE
      INSERT INTO items(name,qty,price,tags,meta,updated_at) VALUES ('new-item-'||i, i, i*0.5, ARRAY['bench','ins'], '{"color":"red","weight":7,"sku":"SKU-NEW"}', now());
    END IF;
    COMMIT;
  END LOOP;
  p_ns := split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - t0;
END $$;
