using Npgsql;
using Threadline.Capture;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// A database in partition mode with captured writes now and audit history from before: a month with its own
/// partition (May 2026, dropped whole by retention) and an older month in the default partition (March, row deletes).
/// </summary>
public static class PartitionedHistory
{
    public static async Task<NpgsqlConnection> PrepareAsync(TemporaryDatabase database)
    {
        var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await new PartitioningManager().EnableAsync(db, PartitionInterval.Month, ahead: 2);
        await db.ExecAsync("CREATE TABLE public.orders (id int PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("orders"));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("recent")), "INSERT INTO public.orders SELECT g, 'new' FROM generate_series(1, 10) g");
        await db.ExecAsync("""
            CREATE TABLE threadline.changes_p202605 PARTITION OF threadline.changes FOR VALUES FROM ('2026-05-01 00:00+00') TO ('2026-06-01 00:00+00');
            ALTER TABLE threadline.changes_p202605 OWNER TO threadline_owner;
            -- Two transactions of 25 changes each, the first change of each its head (with the context).
            WITH t AS (SELECT nextval('threadline.change_id') AS id, v.at, v.who
                         FROM (VALUES ('2026-05-10 12:00+00'::timestamptz, 'may'), ('2026-03-10 12:00+00'::timestamptz, 'march')) v(at, who))
            INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after, txid, started_at, actor_type, actor_id)
            SELECT CASE WHEN g = 1 THEN t.id ELSE nextval('threadline.change_id') END, t.id, t.at,
                   (SELECT tb.table_id FROM threadline.tables tb WHERE tb.table_name = 'orders'), 'i', (1000 + g)::text, jsonb_build_object('id', 1000 + g),
                   CASE WHEN g = 1 THEN pg_current_xact_id() END, CASE WHEN g = 1 THEN t.at END, CASE WHEN g = 1 THEN 'user' END, CASE WHEN g = 1 THEN t.who END
              FROM t, generate_series(1, 25) g ORDER BY t.id, g;
            """);
        return db;
    }
}
