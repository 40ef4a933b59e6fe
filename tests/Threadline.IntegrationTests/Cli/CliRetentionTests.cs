using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline retention purge: a dry run deletes nothing; --execute deletes what it counted, batch by batch.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliRetentionTests(DatabaseFixture platform)
{
    [Fact]
    public async Task A_dry_run_deletes_nothing_and_execute_deletes_exactly_what_it_counted()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_retention");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.short_lived (id int PRIMARY KEY); CREATE TABLE public.keep_longer (id int PRIMARY KEY)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "short_lived", "--connection", connection)).Expect(0);
        (await CliRunner.RunAsync("capture", "enable", "--table", "keep_longer", "--connection", connection)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            for (var i = 0; i < 6; i++)
            {
                await using var tx = await db.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("cli-retention")));
                await db.ExecAsync($"INSERT INTO public.short_lived VALUES ({i * 2}), ({(i * 2) + 1}); INSERT INTO public.keep_longer VALUES ({i})", tx);
                await tx.RecordActionAsync("seed");
                await tx.CommitAsync();
            }
        }

        // Rows are minutes old and windows are at least an hour: purge "as of" two days from now.
        var asOf = DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        string[] policy = ["--window", "1d", "--table-window", "public.keep_longer=30d", "--action-window", "1d", "--as-of", asOf, "--connection", connection];
        var counts = await CountsAsync(connection);

        var now = (await CliRunner.RunAsync(["retention", "purge", "--window", "1d", "--connection", connection])).Expect(0);
        var dryRun = (await CliRunner.RunAsync(["retention", "purge", .. policy])).Expect(0);
        var dryJson = (await CliRunner.RunAsync(["retention", "purge", .. policy, "--json"])).Expect(0);
        var afterDryRun = await CountsAsync(connection);
        var executed = (await CliRunner.RunAsync(["retention", "purge", .. policy, "--execute", "--batch-size", "5"])).Expect(0);
        var afterExecute = await CountsAsync(connection);

        Assert.Contains("Would delete:", now.Out, StringComparison.Ordinal);
        Assert.Contains("0  changes in all", now.Out, StringComparison.Ordinal);
        Assert.Contains("DRY RUN", dryRun.Err, StringComparison.Ordinal);
        Assert.Contains("DRY RUN - nothing was deleted", dryRun.Out, StringComparison.Ordinal);
        // Each transaction's head (its first change, a short_lived row, which carries its context) stays while the
        // transaction has a kept change: 6 of the 12 short_lived changes go.
        Assert.Contains("6  changes of public.short_lived", dryRun.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("changes of public.keep_longer", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("--execute --as-of ", dryRun.Out, StringComparison.Ordinal);
        Assert.True(dryJson.Json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(6, dryJson.Json.GetProperty("changes").GetInt64());
        Assert.Equal(6, dryJson.Json.GetProperty("changesByTable").GetProperty("public.short_lived").GetInt64());
        Assert.Equal(6, dryJson.Json.GetProperty("actions").GetInt64());
        Assert.Equal(counts, afterDryRun);

        Assert.Contains("in the future", dryRun.Err, StringComparison.Ordinal);
        Assert.Contains("WILL BE DELETED", executed.Err, StringComparison.Ordinal);
        Assert.Contains("batch 1:", executed.Err, StringComparison.Ordinal);
        Assert.Contains("batch 3:", executed.Err, StringComparison.Ordinal);
        Assert.Contains("Deleted:", executed.Out, StringComparison.Ordinal);
        Assert.Contains("6  changes of public.short_lived", executed.Out, StringComparison.Ordinal);
        Assert.Contains("Done in", executed.Out, StringComparison.Ordinal);
        Assert.Equal((counts.Changes - 6, counts.Transactions, 0L), afterExecute);
    }

    [Theory]
    [InlineData("--window", "30m", "--window")]
    [InlineData("--window", "90 days", "--window")]
    [InlineData("--table-window", "public.t=10m", "--table-window public.t")]
    [InlineData("--table-window", "t=10d", "--table-window")]
    [InlineData("--max-duration", "soon", "--max-duration")]
    [InlineData("--batch-size", "0", "--batch-size")]
    [InlineData("--as-of", "2026-01-01", "--as-of")]
    public async Task Bad_windows_and_limits_are_usage_errors_naming_the_option(string option, string value, string named)
    {
        string[] args = option == "--window"
            ? ["retention", "purge", option, value, "--connection", platform.DirectConnectionString]
            : ["retention", "purge", "--window", "90d", option, value, "--connection", platform.DirectConnectionString];

        var result = (await CliRunner.RunAsync(args)).Expect(2);

        Assert.Contains(named, result.Err, StringComparison.Ordinal);
    }

    private static async Task<(long Changes, long Transactions, long Actions)> CountsAsync(string connection) =>
        (await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.changes"),
         await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.transactions"),
         await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.actions"));
}
