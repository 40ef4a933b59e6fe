using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline continuity check | enable --baseline on a table that already holds data.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliContinuityTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Check_says_ready_enable_records_a_baseline_and_a_second_check_fails_with_exit_1()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_continuity");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.customers (id int PRIMARY KEY, name text, ssn text); INSERT INTO public.customers SELECT g, 'c' || g, 'secret-' || g FROM generate_series(1, 3) g");
        await database.ExecuteAsync("CREATE TABLE public.keyless (a int)");

        var ready = (await CliRunner.RunAsync("continuity", "check", "--table", "customers", "--connection", connection)).Expect(0);
        var keyless = (await CliRunner.RunAsync("continuity", "check", "--table", "keyless", "--json", "--connection", connection)).Expect(1);
        var enabled = (await CliRunner.RunAsync("continuity", "enable", "--table", "customers", "--baseline", "--mask", "ssn", "--json", "--connection", connection)).Expect(0);
        var again = (await CliRunner.RunAsync("continuity", "check", "--table", "customers", "--connection", connection)).Expect(1);
        var refused = (await CliRunner.RunAsync("continuity", "enable", "--table", "customers", "--baseline", "--connection", connection)).Expect(4);
        var baselines = await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.change_log WHERE table_name = 'customers' AND op = 'baseline' AND data_after->>'ssn' = '[REDACTED]'");

        Assert.Contains("public.customers is READY", ready.Out, StringComparison.Ordinal);
        Assert.Contains("key:            id", ready.Out, StringComparison.Ordinal);
        Assert.False(keyless.Json.GetProperty("ready").GetBoolean());
        Assert.Contains("primary key", keyless.Json.GetProperty("problems")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(3, enabled.Json.GetProperty("baselineRows").GetInt64());
        Assert.True(enabled.Json.GetProperty("transactionId").GetInt64() > 0);
        Assert.Contains("NOT READY", again.Out, StringComparison.Ordinal);
        Assert.Contains("already captured", again.Out, StringComparison.Ordinal);
        Assert.Contains("not ready for capture", refused.Err, StringComparison.Ordinal);
        Assert.Equal(3L, baselines);
    }

    [Fact]
    public async Task Enable_without_baseline_just_enables_capture()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_continuity_plain");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.items (id int PRIMARY KEY); INSERT INTO public.items VALUES (1), (2)");

        var enabled = (await CliRunner.RunAsync("continuity", "enable", "--table", "items", "--connection", connection)).Expect(0);

        Assert.Contains("no baseline", enabled.Out, StringComparison.Ordinal);
        Assert.Equal(0L, await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.changes"));
    }
}
