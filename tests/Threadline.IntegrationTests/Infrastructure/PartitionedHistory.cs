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
            WITH t AS (INSERT INTO threadline.transactions (txid, started_at, first_change_at, actor_type, actor_id)
                       VALUES (pg_current_xact_id(), '2026-05-10 12:00+00', '2026-05-10 12:00+00', 'user', 'may'),
                              (pg_current_xact_id(), '2026-03-10 12:00+00', '2026-03-10 12:00+00', 'user', 'march')
                       RETURNING id, started_at)
            INSERT INTO threadline.changes (transaction_id, table_schema, table_name, op, row_key, data_after, captured_at)
            SELECT t.id, 'public', 'orders', 'insert', jsonb_build_object('id', 1000 + g), '{}', t.started_at FROM t, generate_series(1, 25) g;
            """);
        return db;
    }
}
