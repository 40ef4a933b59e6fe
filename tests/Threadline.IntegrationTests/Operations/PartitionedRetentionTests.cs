using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Partition mode: chosen at install, partitions made ahead, retention drops whole partitions and deletes the rest.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class PartitionedRetentionTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Retention_drops_expired_partitions_whole_and_the_dry_run_agrees_exactly()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "partitioned");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await new PartitioningManager().EnableAsync(db, PartitionInterval.Month, ahead: 2);
        await db.ExecAsync("CREATE TABLE public.orders (id int PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("orders"));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("recent")), "INSERT INTO public.orders SELECT g, 'new' FROM generate_series(1, 10) g");
        // History from before: a month with its own partition (dropped whole) and an older month in the default partition (row deletes).
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
        var partitionsBefore = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'threadline.changes'::regclass");
        await db.ExecAsync("SET ROLE threadline_retention");
        var policy = new RetentionPolicy(TimeSpan.FromDays(60));

        var dryRun = await new RetentionPurger().PurgeAsync(db, policy);
        var executed = await new RetentionPurger().PurgeAsync(db, policy, execute: true, asOf: dryRun.AsOf);

        Assert.True(partitionsBefore >= 4, $"default + current month + 2 ahead + May, saw {partitionsBefore}");
        Assert.Equal(["changes_p202605"], dryRun.Partitions);
        Assert.Equal(["changes_p202605"], executed.Partitions);
        Assert.Equal(50L, dryRun.ChangesByTable["public.orders"]);
        Assert.Equal(dryRun.ChangesByTable, executed.ChangesByTable);
        Assert.Equal((2L, 2L), (dryRun.Transactions, executed.Transactions));
        Assert.Equal(10L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.changes"));
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM pg_class WHERE relname = 'changes_p202605'"));
    }

    [Fact]
    public async Task Partitioning_is_refused_once_changes_exist()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "latepartition");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.t (id int PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("t"));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("early")), "INSERT INTO public.t VALUES (1)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new PartitioningManager().EnableAsync(db));

        Assert.Contains("already has 1 changes", error.Message, StringComparison.Ordinal);
        Assert.False(await PartitioningManager.IsPartitionedAsync(db));
    }
}
