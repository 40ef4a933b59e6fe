using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline schema install | script | version on throwaway databases.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliSchemaTests(DatabaseFixture platform)
{
    private static readonly int Latest = SchemaInstaller.LatestVersion;

    [Fact]
    public async Task Install_on_a_fresh_database_then_version_reports_it_and_a_rerun_changes_nothing()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_schema");
        var connection = database.ConnectionString;

        var before = (await CliRunner.RunAsync("schema", "version", "--connection", connection)).Expect(0);
        var dryRun = (await CliRunner.RunAsync("schema", "install", "--dry-run", "--connection", connection)).Expect(0);
        var stillEmpty = (await CliRunner.RunAsync("schema", "version", "--json", "--connection", connection)).Expect(0);
        var first = (await CliRunner.RunAsync("schema", "install", "--to-version", "1", "--connection", connection)).Expect(0);
        var atOne = (await CliRunner.RunAsync("schema", "version", "--json", "--connection", connection)).Expect(0);
        var upgrade = (await CliRunner.RunAsync("schema", "install", "--dry-run", "--connection", connection)).Expect(0);
        var rest = (await CliRunner.RunWithEnvironmentAsync(new Dictionary<string, string> { ["THREADLINE_CONNECTION"] = connection }, "schema", "install", "--json")).Expect(0);
        var again = (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        var after = (await CliRunner.RunAsync("schema", "version", "--connection", connection)).Expect(0);

        Assert.Contains("not installed", before.Out, StringComparison.Ordinal);
        Assert.Contains("BEGIN;", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("-- 1: ", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("nothing was applied", dryRun.Err, StringComparison.Ordinal);
        Assert.Equal(0, stillEmpty.Json.GetProperty("installedVersion").GetInt32());
        Assert.Contains("Installed the Threadline schema, version 1", first.Out, StringComparison.Ordinal);
        Assert.Equal(1, atOne.Json.GetProperty("installedVersion").GetInt32());
        Assert.DoesNotContain("-- 1: ", upgrade.Out, StringComparison.Ordinal);
        Assert.Contains($"-- {Latest}: ", upgrade.Out, StringComparison.Ordinal);
        Assert.Equal((1, Latest), (rest.Json.GetProperty("previousVersion").GetInt32(), rest.Json.GetProperty("currentVersion").GetInt32()));
        Assert.Contains("already at version", again.Out, StringComparison.Ordinal);
        Assert.Contains($"version {Latest} is installed", after.Out, StringComparison.Ordinal);
        Assert.Contains("up to date", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_prints_reviewable_sql_for_a_version_range_without_any_connection()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        // The public entry point, as the tool's Main uses it.
        var full = await Threadline.Cli.Program.RunAsync(["schema", "script"], output, error);
        var partial = await CliRunner.RunAsync("schema", "script", "--from", "1", "--to", $"{Latest}");
        var json = await CliRunner.RunAsync("schema", "script", "--to", "1", "--json");

        Assert.Equal(0, full);
        Assert.StartsWith("-- Threadline audit schema script", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("-- 1: ", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("COMMIT;", output.ToString(), StringComparison.Ordinal);
        partial.Expect(0);
        Assert.DoesNotContain("-- 1: ", partial.Out, StringComparison.Ordinal);
        Assert.Contains("-- 2: ", partial.Out, StringComparison.Ordinal);
        json.Expect(0);
        Assert.Contains("-- 1: ", json.Json.GetProperty("script").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("-- 2: ", json.Json.GetProperty("script").GetString(), StringComparison.Ordinal);
    }
}
