-- The capture of public.orders (id bigint PRIMARY KEY, status text, card text; card masked, actor required) as the
-- version 12 library generated it (`threadline capture enable --table orders --mask card --require-actor --key id --script`
-- at commit 72f2d41), frozen: a captured table of an existing version 12 install, for the upgrade tests.
DO $guard$
DECLARE
    v_missing text[];
BEGIN
    IF to_regclass('"public"."orders"') IS NULL THEN
        RAISE EXCEPTION 'threadline: table % does not exist, so its capture cannot be enabled', 'public.orders' USING ERRCODE = '42P01';
    END IF;
    SELECT array_agg(c) INTO v_missing
      FROM unnest(ARRAY['id', 'card']::text[]) c
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = to_regclass('"public"."orders"') AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'threadline: unknown columns % in %, named in its capture options', v_missing, 'public.orders' USING ERRCODE = '42703';
    END IF;
END
$guard$;
CREATE OR REPLACE FUNCTION "threadline"."capture_public_orders_86a1f739f8"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
#variable_conflict use_variable
DECLARE
    threadline_exclude text[];
    threadline_mask text[];
    threadline_mask_image jsonb;
BEGIN
    -- Redaction follows the columns through renames, drops and re-adds (docs/capture.md, "When the schema changes").
    -- One catalog query per statement: the masked image comes from the same scan, not a second query.
    SELECT coalesce(array_agg(a.attname::text) FILTER (WHERE x.excluded), '{}'),
           coalesce(array_agg(a.attname::text) FILTER (WHERE x.masked AND NOT x.excluded), '{}'),
           coalesce(jsonb_object_agg(a.attname::text, to_jsonb('[REDACTED]'::text)) FILTER (WHERE x.masked AND NOT x.excluded), '{}')
      INTO threadline_exclude, threadline_mask, threadline_mask_image
      FROM pg_catalog.pg_attribute a
      LEFT JOIN "threadline"."captured_tables" ct ON ct.table_schema = 'public' AND ct.table_name = 'orders'
     CROSS JOIN LATERAL (SELECT a.attname = ANY (ARRAY[]::text[]) OR coalesce(ct.options -> 'exclude_attnums' @> to_jsonb(a.attnum::int), false) AS excluded,
                                a.attname = ANY (ARRAY['card']::text[]) OR coalesce(ct.options -> 'mask_attnums' @> to_jsonb(a.attnum::int), false) AS masked) x
     WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
    -- One statement per firing.
    IF TG_OP = 'INSERT' THEN
        WITH threadline_tx AS MATERIALIZED (SELECT "threadline".ensure_transaction_actor('public.orders', true) AS tx)
        INSERT INTO "threadline".changes (transaction_id, actor_type, actor_id, table_schema, table_name, op, row_key, data_after, captured_at)
        SELECT (SELECT (threadline_tx.tx).id FROM threadline_tx), (SELECT (threadline_tx.tx).actor_type FROM threadline_tx), (SELECT (threadline_tx.tx).actor_id FROM threadline_tx), 'public', 'orders', 'insert', jsonb_build_object('id', threadline_new_row."id"), (to_jsonb(threadline_new_row) || threadline_mask_image), clock_timestamp()
          FROM new_rows threadline_new_row;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Transition tables hold old and new images in the same order; zipping the two arrays pairs them even when a
        -- key changes, in linear time whatever plan PL/pgSQL cached (a join cached for a one-row statement went quadratic).
        WITH threadline_tx AS MATERIALIZED (SELECT "threadline".ensure_transaction_actor('public.orders', true) AS tx)
        INSERT INTO "threadline".changes (transaction_id, actor_type, actor_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)
        SELECT (SELECT (threadline_tx.tx).id FROM threadline_tx), (SELECT (threadline_tx.tx).actor_type FROM threadline_tx), (SELECT (threadline_tx.tx).actor_id FROM threadline_tx), 'public', 'orders', 'update', u.row_key, (u.after_row || threadline_mask_image), d.fields, d.before, clock_timestamp()
          FROM (SELECT jsonb_build_object('id', z.after_full -> 'id') AS row_key, z.after_full AS after_row, z.before_full AS before_row
                  FROM unnest((SELECT array_agg(to_jsonb(threadline_old_row)) FROM old_rows threadline_old_row),
                              (SELECT array_agg(to_jsonb(threadline_new_row)) FROM new_rows threadline_new_row)) AS z(before_full, after_full)) u
         CROSS JOIN LATERAL (
              SELECT array_agg(e.key ORDER BY e.key) AS fields, jsonb_object_agg(e.key, CASE WHEN e.key = ANY (threadline_mask) THEN to_jsonb('[REDACTED]'::text) ELSE u.before_row -> e.key END) AS before
                FROM jsonb_each(u.after_row) e
               WHERE e.value IS DISTINCT FROM u.before_row -> e.key) d
                     WHERE d.fields IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        WITH threadline_tx AS MATERIALIZED (SELECT "threadline".ensure_transaction_actor('public.orders', true) AS tx)
        INSERT INTO "threadline".changes (transaction_id, actor_type, actor_id, table_schema, table_name, op, row_key, data_before, captured_at)
        SELECT (SELECT (threadline_tx.tx).id FROM threadline_tx), (SELECT (threadline_tx.tx).actor_type FROM threadline_tx), (SELECT (threadline_tx.tx).actor_id FROM threadline_tx), 'public', 'orders', 'delete', jsonb_build_object('id', threadline_old_row."id"), (to_jsonb(threadline_old_row) || threadline_mask_image), clock_timestamp()
          FROM old_rows threadline_old_row;
    ELSIF TG_OP = 'TRUNCATE' THEN
        INSERT INTO "threadline".changes (transaction_id, actor_type, actor_id, table_schema, table_name, op, captured_at)
        SELECT x.id, x.actor_type, x.actor_id, 'public', 'orders', 'truncate', clock_timestamp() FROM "threadline".ensure_transaction_actor('public.orders', true) x;
    END IF;
    -- A strict table takes the anonymous actor only when its capture options allow it (AllowAnonymous).
        IF FOUND AND (SELECT t.actor_type FROM "threadline".transactions t
                       WHERE t.txid = pg_current_xact_id() AND t.started_at = now()) = 'anonymous' THEN
            RAISE EXCEPTION 'threadline: a write to % needs an authenticated actor, and this transaction''s actor is anonymous', 'public.orders'
                USING ERRCODE = 'TL003',
                      HINT = 'Require authentication on the endpoint that writes, attribute such requests to another actor in the actor resolver, or allow anonymous writes to this table explicitly (TableCaptureOptions.AllowAnonymous).';
        END IF;
    RETURN NULL;
END
$capture$;
ALTER FUNCTION "threadline"."capture_public_orders_86a1f739f8"() OWNER TO "threadline_owner";
REVOKE ALL ON FUNCTION "threadline"."capture_public_orders_86a1f739f8"() FROM PUBLIC;
DROP TRIGGER IF EXISTS threadline_capture_insert ON "public"."orders";
DROP TRIGGER IF EXISTS threadline_capture_update ON "public"."orders";
DROP TRIGGER IF EXISTS threadline_capture_delete ON "public"."orders";
DROP TRIGGER IF EXISTS threadline_capture_truncate ON "public"."orders";
CREATE TRIGGER threadline_capture_insert AFTER INSERT ON "public"."orders" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "threadline"."capture_public_orders_86a1f739f8"();
CREATE TRIGGER threadline_capture_update AFTER UPDATE ON "public"."orders" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "threadline"."capture_public_orders_86a1f739f8"();
CREATE TRIGGER threadline_capture_delete AFTER DELETE ON "public"."orders" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "threadline"."capture_public_orders_86a1f739f8"();
CREATE TRIGGER threadline_capture_truncate AFTER TRUNCATE ON "public"."orders" FOR EACH STATEMENT EXECUTE FUNCTION "threadline"."capture_public_orders_86a1f739f8"();
INSERT INTO "threadline"."captured_tables" AS ct (table_schema, table_name, function_name, key_columns, options)
VALUES ('public', 'orders', 'capture_public_orders_86a1f739f8', ARRAY['id']::text[], '{"exclude":[],"mask":["card"],"mask_placeholder":"[REDACTED]","require_actor":true,"record_no_op_updates":false,"allow_anonymous":false}'::jsonb || jsonb_build_object(
           'exclude_attnums', (SELECT coalesce(jsonb_agg(a.attnum::int ORDER BY a.attnum), '[]') FROM pg_catalog.pg_attribute a WHERE a.attrelid = '"public"."orders"'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY (ARRAY[]::text[])),
           'mask_attnums', (SELECT coalesce(jsonb_agg(a.attnum::int ORDER BY a.attnum), '[]') FROM pg_catalog.pg_attribute a WHERE a.attrelid = '"public"."orders"'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY (ARRAY['card']::text[])),
           'columns', (SELECT coalesce(jsonb_object_agg(a.attnum::text, a.attname::text), '{}') FROM pg_catalog.pg_attribute a WHERE a.attrelid = '"public"."orders"'::regclass AND a.attnum > 0 AND NOT a.attisdropped)))
ON CONFLICT (table_schema, table_name) DO UPDATE
   SET function_name = EXCLUDED.function_name, key_columns = EXCLUDED.key_columns, options = EXCLUDED.options,
       options_changed_at = CASE WHEN (ct.key_columns, ct.options) IS DISTINCT FROM (EXCLUDED.key_columns, EXCLUDED.options)
                                 THEN now() ELSE ct.options_changed_at END;
