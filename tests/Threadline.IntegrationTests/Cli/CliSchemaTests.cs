using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline schema install | script | version on throwaway databases.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliSchemaTests(DatabaseFixture platform)
{
    private static readonly int Latest = SchemaInstaller.LatestVersion;

    [Fact]
    public async Task Install_on_a_fresh_database_then_version_reports_it_and_a_rerun_re_applies_only_the_functions()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_schema");
        var connection = database.ConnectionString;

        var before = (await CliRunner.RunAsync("schema", "version", "--connection", connection)).Expect(0);
        var dryRun = (await CliRunner.RunAsync("schema", "install", "--dry-run", "--connection", connection)).Expect(0);
        var stillEmpty = (await CliRunner.RunAsync("schema", "version", "--json", "--connection", connection)).Expect(0);
        var first = (await CliRunner.RunWithEnvironmentAsync(new Dictionary<string, string> { ["THREADLINE_CONNECTION"] = connection }, "schema", "install", "--json")).Expect(0);
        var rerunDryRun = (await CliRunner.RunAsync("schema", "install", "--dry-run", "--connection", connection)).Expect(0);
        var again = (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        var after = (await CliRunner.RunAsync("schema", "version", "--connection", connection)).Expect(0);

        Assert.Contains("not installed", before.Out, StringComparison.Ordinal);
        Assert.Contains("BEGIN;", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains($"-- {SchemaInstaller.BaselineVersion}: baseline", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("-- function: begin_change", dryRun.Out, StringComparison.Ordinal);
        Assert.Contains("nothing was applied", dryRun.Err, StringComparison.Ordinal);
        Assert.Equal(0, stillEmpty.Json.GetProperty("installedVersion").GetInt32());
        Assert.Equal((0, Latest), (first.Json.GetProperty("previousVersion").GetInt32(), first.Json.GetProperty("currentVersion").GetInt32()));
        Assert.Equal(Enumerable.Range(SchemaInstaller.BaselineVersion, SchemaInstaller.LatestVersion - SchemaInstaller.BaselineVersion + 1), first.Json.GetProperty("applied").EnumerateArray().Select(v => v.GetInt32()));
        // At the latest version, the dry run shows what a rerun applies: the function files, no version script.
        Assert.DoesNotContain($"-- {SchemaInstaller.BaselineVersion}: ", rerunDryRun.Out, StringComparison.Ordinal);
        Assert.Contains("-- function: begin_change", rerunDryRun.Out, StringComparison.Ordinal);
        Assert.Contains("re-applies the function definitions", rerunDryRun.Err, StringComparison.Ordinal);
        Assert.Contains("already at version", again.Out, StringComparison.Ordinal);
        Assert.Contains($"version {Latest} is installed", after.Out, StringComparison.Ordinal);
        Assert.Contains("up to date", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_prints_reviewable_sql_for_an_install_or_an_upgrade_without_any_connection()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        // The public entry point, as the tool's Main uses it.
        var full = await Threadline.Cli.Program.RunAsync(["schema", "script"], output, error);
        var functions = await CliRunner.RunAsync("schema", "script", "--from", $"{Latest}");
        var json = await CliRunner.RunAsync("schema", "script", "--from", $"{Latest}", "--json");
        var preRelease = await CliRunner.RunAsync("schema", "script", "--from", "5");

        Assert.Equal(0, full);
        Assert.StartsWith("-- Threadline audit schema script", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"-- {SchemaInstaller.BaselineVersion}: baseline", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("COMMIT;", output.ToString(), StringComparison.Ordinal);
        functions.Expect(0);
        Assert.DoesNotContain($"-- {SchemaInstaller.BaselineVersion}: ", functions.Out, StringComparison.Ordinal);
        Assert.Equal(SchemaInstaller.Functions.Count, functions.Out.Split('\n').Count(line => line.StartsWith("-- function: ", StringComparison.Ordinal)));
        json.Expect(0);
        Assert.Equal(functions.Out, json.Json.GetProperty("script").GetString());
        preRelease.Expect(2);
        Assert.Contains("never released", preRelease.Err, StringComparison.Ordinal);
    }
}
