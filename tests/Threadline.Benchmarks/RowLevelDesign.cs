namespace Threadline.Benchmarks;

/// <summary>
/// The naive capture design, for comparison only: a FOR EACH ROW trigger that, for every row, looks up or creates
/// the transaction row (INSERT ... ON CONFLICT) and inserts one change row. Its audit tables copy Threadline's
/// columns, indexes and foreign key, so the storage layout is the same and only the trigger design differs.
/// </summary>
public static class RowLevelDesign
{
    public const string ChangesTable = "public.bench_rowlevel_changes";
    public const string TransactionsTable = "public.bench_rowlevel_transactions";
    private const string Function = "public.bench_rowlevel_capture";

    public const string DropSql = $"""
        DROP TABLE IF EXISTS bench_rowlevel CASCADE;
        DROP FUNCTION IF EXISTS {Function}() CASCADE;
        DROP TABLE IF EXISTS {ChangesTable}, {TransactionsTable} CASCADE;
        """;

    public static string InstallSql(string table) => $$"""
        CREATE TABLE {{TransactionsTable}} (LIKE threadline.transactions INCLUDING ALL);
        CREATE TABLE {{ChangesTable}} (LIKE threadline.changes INCLUDING ALL);
        ALTER TABLE {{ChangesTable}} ADD FOREIGN KEY (transaction_id) REFERENCES {{TransactionsTable}} (id) ON DELETE CASCADE;

        CREATE FUNCTION {{Function}}() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
        DECLARE
            v_ctx    jsonb := NULLIF(current_setting('threadline.context', true), '')::jsonb;
            v_tx     bigint;
            v_after  jsonb;
            v_before jsonb;
            v_fields text[];
            v_old    jsonb;
        BEGIN
            -- Once per row: find or create this transaction's audit row.
            INSERT INTO {{TransactionsTable}} AS t
                (txid, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
                 request_id, correlation_id, trace_id, job_id, source, context)
            VALUES (pg_current_xact_id(), now(), clock_timestamp(), v_ctx #>> '{actor,type}', v_ctx #>> '{actor,id}',
                    v_ctx #>> '{on_behalf_of,type}', v_ctx #>> '{on_behalf_of,id}', v_ctx ->> 'request_id',
                    v_ctx ->> 'correlation_id', v_ctx ->> 'trace_id', v_ctx ->> 'job_id', v_ctx ->> 'source', v_ctx)
            ON CONFLICT (txid, started_at) DO NOTHING
            RETURNING t.id INTO v_tx;
            IF v_tx IS NULL THEN
                SELECT t.id INTO v_tx FROM {{TransactionsTable}} t WHERE t.txid = pg_current_xact_id() AND t.started_at = now();
            END IF;

            IF TG_OP = 'INSERT' THEN
                INSERT INTO {{ChangesTable}} (transaction_id, table_schema, table_name, op, row_key, data_after, captured_at)
                VALUES (v_tx, TG_TABLE_SCHEMA, TG_TABLE_NAME, 'insert', jsonb_build_object('id', NEW.id), to_jsonb(NEW), clock_timestamp());
            ELSIF TG_OP = 'UPDATE' THEN
                v_after := to_jsonb(NEW);
                v_old := to_jsonb(OLD);
                SELECT array_agg(e.key ORDER BY e.key), jsonb_object_agg(e.key, v_old -> e.key)
                  INTO v_fields, v_before
                  FROM jsonb_each(v_after) e
                 WHERE e.value IS DISTINCT FROM v_old -> e.key;
                IF v_fields IS NOT NULL THEN
                    INSERT INTO {{ChangesTable}} (transaction_id, table_schema, table_name, op, row_key, data_after, changed_fields, data_before, captured_at)
                    VALUES (v_tx, TG_TABLE_SCHEMA, TG_TABLE_NAME, 'update', jsonb_build_object('id', NEW.id), v_after, v_fields, v_before, clock_timestamp());
                END IF;
            ELSE
                INSERT INTO {{ChangesTable}} (transaction_id, table_schema, table_name, op, row_key, data_before, captured_at)
                VALUES (v_tx, TG_TABLE_SCHEMA, TG_TABLE_NAME, 'delete', jsonb_build_object('id', OLD.id), to_jsonb(OLD), clock_timestamp());
            END IF;
            RETURN NULL;
        END
        $fn$;

        CREATE TRIGGER bench_rowlevel_capture AFTER INSERT OR UPDATE OR DELETE ON {{table}}
            FOR EACH ROW EXECUTE FUNCTION {{Function}}();
        """;
}
