using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline verify coverage (exit 0 / 1) and verify topology through the real PgBouncer.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliVerifyTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Coverage_passes_when_required_tables_are_captured_and_fails_with_exit_1_on_an_uncovered_one()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_coverage");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.orders (id int PRIMARY KEY); CREATE TABLE public.sessions (id int PRIMARY KEY)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "orders", "--connection", connection)).Expect(0);

        var named = (await CliRunner.RunAsync("verify", "coverage", "--require", "public.orders", "--connection", connection)).Expect(0);
        var everyCaptured = (await CliRunner.RunAsync("verify", "coverage", "--connection", connection)).Expect(0);
        var schemaWide = (await CliRunner.RunAsync("verify", "coverage", "--require-schema", "public", "--connection", connection)).Expect(1);
        var excused = (await CliRunner.RunAsync(
            "verify", "coverage", "--require-schema", "public", "--expect-uncovered", "public.sessions=rebuilt nightly", "--connection", connection)).Expect(0);
        var json = (await CliRunner.RunAsync("verify", "coverage", "--require", "public.orders", "--require", "public.sessions", "--json", "--connection", connection)).Expect(1);
        var badTable = (await CliRunner.RunAsync("verify", "coverage", "--require", "orders", "--connection", connection)).Expect(2);
        await database.ExecuteAsync("CREATE TABLE public.scratch (id int PRIMARY KEY)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "scratch", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("ALTER TABLE public.scratch DISABLE TRIGGER threadline_capture_delete");
        var lenient = (await CliRunner.RunAsync("verify", "coverage", "--require", "public.orders", "--connection", connection)).Expect(0);
        var strict = (await CliRunner.RunAsync("verify", "coverage", "--require", "public.orders", "--strict", "--connection", connection)).Expect(1);

        Assert.Contains("public.orders", named.Out, StringComparison.Ordinal);
        Assert.Contains("Coverage OK", named.Out, StringComparison.Ordinal);
        Assert.Contains("checking every captured table", everyCaptured.Out, StringComparison.Ordinal);
        Assert.Contains("FAIL  public.sessions", schemaWide.Out, StringComparison.Ordinal);
        Assert.Contains("Uncovered", schemaWide.Out, StringComparison.Ordinal);
        Assert.Contains("Coverage FAILED", schemaWide.Out, StringComparison.Ordinal);
        Assert.Contains("SKIP  public.sessions", excused.Out, StringComparison.Ordinal);
        Assert.Contains("rebuilt nightly", excused.Out, StringComparison.Ordinal);
        Assert.False(json.Json.GetProperty("ok").GetBoolean());
        var sessions = json.Json.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("table").GetString() == "public.sessions");
        Assert.Equal("uncovered", sessions.GetProperty("status").GetString());
        Assert.Contains("--require", badTable.Err, StringComparison.Ordinal);
        Assert.Contains("WARN  public.scratch", lenient.Out, StringComparison.Ordinal);
        Assert.Contains("TriggerDisabled", strict.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Topology_through_pgbouncer_is_safe_and_prints_the_host_topology_row()
    {
        var markdown = (await CliRunner.RunAsync("verify", "topology", "--clients", "4", "--transactions", "5", "--connection", platform.AppConnectionString)).Expect(0);
        var json = (await CliRunner.RunAsync(
            "verify", "topology", "--clients", "3", "--transactions", "3", "--environment", "host", "--format", "json", "--connection", platform.AppConnectionString)).Expect(0);

        Assert.Contains("| Environment class | Chain |", markdown.Out, StringComparison.Ordinal);
        Assert.Contains("| CI | app → Npgsql → ", markdown.Out, StringComparison.Ordinal);
        Assert.Contains("Verdict: **safe**", markdown.Out, StringComparison.Ordinal);
        Assert.True(json.Json.GetProperty("safe").GetBoolean());
        Assert.Equal(9, json.Json.GetProperty("transactions").GetInt32());
        Assert.Equal(0, json.Json.GetProperty("misattributions").GetInt32());
        Assert.StartsWith("| host |", json.Json.GetProperty("markdown").GetString()!.Split('\n')[2], StringComparison.Ordinal);
    }
}
