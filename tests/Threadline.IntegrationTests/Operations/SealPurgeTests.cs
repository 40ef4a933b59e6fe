using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Operations.Integrity;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Retention purges and partition drops record what they removed, so verify counts it as purged, not as tampering.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SealPurgeTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_retention_purge_is_counted_as_purged_and_a_delete_beside_it_is_still_reported()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_purge");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 4);
        await db.ExecAsync("CREATE TABLE public.kept (id int PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("kept"));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("keeper")), "INSERT INTO public.kept VALUES (1), (2)");
        await new AuditSealer().SealAsync(db);
        var keptChange = await SealScenario.ScalarAsync(db, "SELECT min(c.id) FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id WHERE tb.table_name = 'kept'");

        // Rows are minutes old and windows at least an hour: purge as of two days from now, keeping public.kept.
        await db.ExecAsync("SET ROLE threadline_retention");
        var policy = new RetentionPolicy(TimeSpan.FromDays(1)) { TableWindows = new Dictionary<string, TimeSpan> { ["public.kept"] = TimeSpan.FromDays(30) } };
        var summary = await new RetentionPurger().PurgeAsync(db, policy, execute: true, limits: new PurgeLimits { BatchSize = 1 }, asOf: DateTimeOffset.UtcNow.AddDays(2));
        await db.ExecAsync("RESET ROLE");
        var afterPurge = await new IntegrityVerifier().VerifyAsync(db);
        await new AuditSealer().SealAsync(db);
        var afterReseal = await new IntegrityVerifier().VerifyAsync(db);
        await db.ExecAsync($"DELETE FROM threadline.changes WHERE id = {keptChange}");
        var tampered = await new IntegrityVerifier().VerifyAsync(db);

        Assert.Equal((12L, 4L), (summary.Changes, summary.Transactions));
        Assert.True(afterPurge.Intact, string.Join("; ", afterPurge.Findings.Select(f => f.Detail)));
        // Sealed rows are change rows: the 12 purged changes (their 4 heads among them).
        Assert.Equal(12L, afterPurge.PurgedRows);
        Assert.True(await SealScenario.ScalarAsync(db, "SELECT count(*) FROM threadline.purge_log WHERE reason = 'retention'") >= 4, "one entry per batch of one transaction");
        Assert.True(afterReseal.Intact);
        Assert.True(afterReseal.LatestSeal!.PurgeEntries >= 4, "the purge-log entries are sealed by the next seal");
        // The deleted change was its transaction's head: the seal's recomputation no longer reaches the other change of
        // that transaction either, and the check names it as left without its head.
        Assert.Equal([$"Deleted Change {keptChange}", $"Deleted Change {keptChange + 1}", $"Orphaned Change {keptChange + 1}"], SealScenario.Named(tampered));
    }

    [Fact]
    public async Task A_partition_drop_and_the_row_deletes_after_it_are_counted_as_purged()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_partition");
        await using var db = await PartitionedHistory.PrepareAsync(database);
        await new AuditSealer().SealAsync(db);
        await db.ExecAsync("SET ROLE threadline_retention");
        var summary = await new RetentionPurger().PurgeAsync(db, new RetentionPolicy(TimeSpan.FromDays(60)), execute: true);
        await db.ExecAsync("RESET ROLE");
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.Equal(["changes_p202605"], summary.Partitions);
        Assert.Equal(1L, await SealScenario.ScalarAsync(db, "SELECT count(*) FROM threadline.purge_log WHERE reason = 'partition' AND detail = 'changes_p202605' AND row_count = 25"));
        Assert.True(report.Intact, string.Join("; ", report.Findings.Select(f => f.Detail)));
        Assert.Equal(50L, report.PurgedRows);
        Assert.Equal(10L, report.RowsVerified - report.PurgedRows);
    }
}
