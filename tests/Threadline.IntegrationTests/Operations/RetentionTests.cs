using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Retention on a fresh database, run as the retention role; "old" is made by purging as of a later time.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class RetentionTests(DatabaseFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("retention-tests"));

    [Fact]
    public async Task A_dry_run_counts_exactly_what_the_executed_run_deletes_and_deletes_nothing()
    {
        await using var database = await SeedAsync();
        await using var db = await OpenAsRetentionAsync(database);
        var policy = new RetentionPolicy(TimeSpan.FromDays(1)) { TableWindows = new Dictionary<string, TimeSpan> { ["public.keep_longer"] = TimeSpan.FromDays(30) } };
        var asOf = DateTimeOffset.UtcNow.AddDays(2);
        var before = await CountsAsync(db);

        var dryRun = await new RetentionPurger().PurgeAsync(db, policy, asOf: asOf);
        var afterDryRun = await CountsAsync(db);
        var executed = await new RetentionPurger().PurgeAsync(db, policy, execute: true, limits: new PurgeLimits { BatchSize = 7 }, asOf: asOf);
        var after = await CountsAsync(db);

        Assert.False(dryRun.Executed);
        Assert.Equal(before, afterDryRun);
        // 10 transactions touched only short_lived and go whole (20 changes); the 5 mixed ones keep their head (their first
        // short_lived change, which carries the context) with their keep_longer change, and lose their other short_lived change.
        Assert.Equal(new Dictionary<string, long> { ["public.short_lived"] = 25 }, dryRun.ChangesByTable);
        Assert.Equal(dryRun.ChangesByTable, executed.ChangesByTable);
        Assert.Equal((dryRun.Transactions, dryRun.Actions), (executed.Transactions, executed.Actions));
        Assert.Equal((10L, 15L), (executed.Transactions, executed.Actions));
        Assert.True(executed.Complete);
        Assert.True(executed.Batches >= 2, $"{executed.Batches} batches");
        Assert.Equal((before.Changes - 25, before.Transactions - 10, 0L), (after.Changes, after.Transactions, after.Actions));
        // A transaction is never half kept: no change is left without its head.
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.changes c WHERE c.tx_id <> c.id AND NOT EXISTS (SELECT FROM threadline.changes h WHERE h.id = c.tx_id)"));
    }

    [Fact]
    public async Task Limits_stop_a_run_early_and_the_next_run_finishes_the_job()
    {
        await using var database = await SeedAsync();
        await using var db = await OpenAsRetentionAsync(database);
        var policy = new RetentionPolicy(TimeSpan.FromDays(1));
        var asOf = DateTimeOffset.UtcNow.AddDays(2);

        var partial = await new RetentionPurger().PurgeAsync(db, policy, execute: true, limits: new PurgeLimits { BatchSize = 5, MaxBatches = 2 }, asOf: asOf);
        var rest = await new RetentionPurger().PurgeAsync(db, policy, execute: true, asOf: asOf);

        // A batch of 5 is 5 whole transactions: the first 5 with 3 changes each, the next 5 with 2.
        Assert.Equal((false, 25L, 2), (partial.Complete, partial.Changes, partial.Batches));
        Assert.True(rest.Complete);
        Assert.Equal(0L, (await CountsAsync(db)).Changes);
    }

    [Fact]
    public async Task Young_rows_and_transactions_are_never_touched()
    {
        await using var database = await SeedAsync();
        await using var db = await OpenAsRetentionAsync(database);

        var summary = await new RetentionPurger().PurgeAsync(db, new RetentionPolicy(TimeSpan.FromDays(1)), execute: true);

        Assert.Equal((0L, 0L, 0L), (summary.Changes, summary.Transactions, summary.Actions));
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(-5)]
    public void A_window_shorter_than_an_hour_is_refused_before_anything_runs(double hours)
    {
        var policy = new RetentionPolicy(TimeSpan.FromDays(30)) { TableWindows = new Dictionary<string, TimeSpan> { ["public.t"] = TimeSpan.FromHours(hours) } };

        Assert.Contains("the window of public.t", Assert.Throws<ArgumentException>(policy.Validate).Message, StringComparison.Ordinal);
    }

    /// <summary>30 short_lived changes in 15 transactions (5 of them also touch keep_longer), each with an action.</summary>
    private async Task<TemporaryDatabase> SeedAsync()
    {
        var database = await TemporaryDatabase.CreateAsync(platform, "retention");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.short_lived (id int PRIMARY KEY); CREATE TABLE public.keep_longer (id int PRIMARY KEY)");
        await new CaptureManager().ApplyAsync(db, [new TableCaptureOptions("short_lived"), new TableCaptureOptions("keep_longer")]);
        for (var i = 0; i < 15; i++)
        {
            await using var tx = await db.BeginAuditedTransactionAsync(Context);
            await db.ExecAsync($"INSERT INTO public.short_lived VALUES ({i * 2}), ({(i * 2) + 1})", tx);
            if (i < 5)
            {
                await db.ExecAsync($"INSERT INTO public.keep_longer VALUES ({i})", tx);
            }

            await tx.RecordActionAsync("seed");
            await tx.CommitAsync();
        }

        return database;
    }

    private static async Task<NpgsqlConnection> OpenAsRetentionAsync(TemporaryDatabase database)
    {
        var db = await database.OpenAsync();
        await db.ExecAsync("SET ROLE threadline_retention");
        return db;
    }

    private static async Task<(long Changes, long Transactions, long Actions)> CountsAsync(NpgsqlConnection db) =>
        (await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.changes"),
         await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.transactions"),
         await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.actions"));
}
