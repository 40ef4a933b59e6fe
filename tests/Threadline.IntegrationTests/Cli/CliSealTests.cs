using Threadline.IntegrationTests.Infrastructure;
using Threadline.IntegrationTests.Operations;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline seal and threadline verify integrity: exit 0 on a clean trail, 1 naming each tampered row, 2 for a bad anchor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliSealTests(PlatformFixture platform)
{
    [Fact]
    public async Task Seal_exports_an_anchor_and_verify_integrity_names_the_tampered_row()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_seal");
        await using (await SealScenario.PrepareAsync(database, transactions: 2))
        {
        }

        var connection = database.ConnectionString;
        var anchorFile = Path.Combine(Path.GetTempPath(), $"threadline-anchor-{Guid.NewGuid():N}.json");
        try
        {
            var unsealed = (await CliRunner.RunAsync("verify", "integrity", "--connection", connection)).Expect(1);
            var sealed_ = (await CliRunner.RunAsync("seal", "--anchor-out", anchorFile, "--connection", connection)).Expect(0);
            var again = (await CliRunner.RunAsync("seal", "--if-new", "--connection", connection)).Expect(0);
            var exported = (await CliRunner.RunAsync("seal", "--export", "--json", "--connection", connection)).Expect(0);
            var clean = (await CliRunner.RunAsync("verify", "integrity", "--anchor", anchorFile, "--connection", connection)).Expect(0);
            var changeId = await CliRunner.ScalarAsync(connection, "SELECT max(id) FROM threadline.changes");
            await database.ExecuteAsync($"UPDATE threadline.changes SET data_after = '{{}}' WHERE id = {changeId}");
            var tampered = (await CliRunner.RunAsync("verify", "integrity", "--anchor", anchorFile, "--connection", connection)).Expect(1);
            var json = (await CliRunner.RunAsync("verify", "integrity", "--json", "--connection", connection)).Expect(1);

            Assert.Contains("there is no seal yet", unsealed.Out, StringComparison.Ordinal);
            Assert.Contains("Sealed: seal 1 covers 2 transactions, 6 changes and 0 purge-log entries", sealed_.Out, StringComparison.Ordinal);
            Assert.Contains("Nothing new became visible since seal 1: no seal written.", again.Out, StringComparison.Ordinal);
            Assert.Equal(1, exported.Json.GetProperty("sealId").GetInt64());
            Assert.Equal("threadline-seal-anchor/1", exported.Json.GetProperty("format").GetString());
            Assert.Equal(exported.Json.GetProperty("hash").GetString(), System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(anchorFile)).RootElement.GetProperty("hash").GetString());
            Assert.Contains("Integrity OK", clean.Out, StringComparison.Ordinal);
            Assert.Contains($"FAIL  Changed            change {changeId} differs from what seal 1 sealed", tampered.Out, StringComparison.Ordinal);
            Assert.Contains("Integrity FAILED: 1 finding(s).", tampered.Out, StringComparison.Ordinal);
            var finding = Assert.Single(json.Json.GetProperty("findings").EnumerateArray());
            Assert.Equal(("changed", "change", changeId), (finding.GetProperty("problem").GetString(), finding.GetProperty("kind").GetString(), finding.GetProperty("id").GetInt64()));
        }
        finally
        {
            File.Delete(anchorFile);
        }
    }

    [Theory]
    [InlineData("missing", "does not exist")]
    [InlineData("{not json", "is not a Threadline seal anchor: not valid anchor JSON")]
    [InlineData("""{"format":"threadline-seal-anchor/1","sealId":1,"hash":"abc"}""", "64 lower-case hex digits")]
    public async Task A_bad_anchor_file_is_a_usage_error_naming_the_option(string content, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"threadline-bad-anchor-{Guid.NewGuid():N}.json");
        if (content != "missing")
        {
            await File.WriteAllTextAsync(path, content);
        }

        try
        {
            var result = (await CliRunner.RunAsync("verify", "integrity", "--anchor", path, "--connection", platform.DirectConnectionString)).Expect(2);

            Assert.Contains("--anchor", result.Err, StringComparison.Ordinal);
            Assert.Contains(expected, result.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Export_with_if_new_is_a_usage_error()
    {
        var result = (await CliRunner.RunAsync("seal", "--export", "--if-new", "--connection", platform.DirectConnectionString)).Expect(2);

        Assert.Contains("--export writes no seal", result.Err, StringComparison.Ordinal);
    }
}
