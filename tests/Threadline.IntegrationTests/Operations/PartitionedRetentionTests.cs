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
        await using var db = await PartitionedHistory.PrepareAsync(database);
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
