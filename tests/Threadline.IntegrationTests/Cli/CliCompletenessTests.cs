using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline verify completeness: exit 0 on a clean table, 1 with the bypassed row named, 2 on bad input.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliCompletenessTests(PlatformFixture platform)
{
    private const string Audited = """BEGIN; SELECT set_config('threadline.context', '{"actor":{"type":"user","id":"cli"}}', true);""";

    [Fact]
    public async Task Completeness_passes_on_audited_writes_and_fails_with_exit_1_on_a_replica_role_write()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_complete");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.orders (id int PRIMARY KEY, total int)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "orders", "--connection", connection)).Expect(0);
        await database.ExecuteAsync(Audited + " INSERT INTO public.orders SELECT g, 10 FROM generate_series(1, 3) g; COMMIT;");

        var clean = (await CliRunner.RunAsync("verify", "completeness", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("BEGIN; SET LOCAL session_replication_role = replica; UPDATE public.orders SET total = 0 WHERE id = 2; COMMIT;");
        var bypassed = (await CliRunner.RunAsync("verify", "completeness", "--table", "public.orders", "--connection", connection)).Expect(1);
        var json = (await CliRunner.RunAsync("verify", "completeness", "--json", "--connection", connection)).Expect(1);
        var unknown = (await CliRunner.RunAsync("verify", "completeness", "--table", "public.nope", "--connection", connection)).Expect(2);
        var unqualified = (await CliRunner.RunAsync("verify", "completeness", "--table", "orders", "--connection", connection)).Expect(2);
        var badSamples = (await CliRunner.RunAsync("verify", "completeness", "--samples", "-1", "--connection", connection)).Expect(2);

        Assert.Contains("ok    public.orders: 3 rows checked", clean.Out, StringComparison.Ordinal);
        Assert.Contains("Completeness OK: no unaudited row in 1 table(s).", clean.Out, StringComparison.Ordinal);
        Assert.Contains("FAIL  public.orders", bypassed.Out, StringComparison.Ordinal);
        Assert.Contains("audited 2, unaudited 1,", bypassed.Out, StringComparison.Ordinal);
        Assert.Contains("unaudited {\"id\": 2} written by transaction ", bypassed.Out, StringComparison.Ordinal);
        Assert.Contains("Completeness FAILED: 1 unaudited row(s) in 1 table(s).", bypassed.Out, StringComparison.Ordinal);
        Assert.Contains("What this check cannot see:", bypassed.Out, StringComparison.Ordinal);
        Assert.False(json.Json.GetProperty("ok").GetBoolean());
        var table = json.Json.GetProperty("tables").EnumerateArray().Single();
        Assert.Equal((3L, 1L), (table.GetProperty("rowsChecked").GetInt64(), table.GetProperty("unaudited").GetInt64()));
        Assert.Equal("{\"id\": 2}", table.GetProperty("samples")[0].GetProperty("rowKey").GetString());
        Assert.NotEmpty(json.Json.GetProperty("cannotBeKnown").EnumerateArray());
        Assert.Contains("Not captured: public.nope", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("--table", unqualified.Err, StringComparison.Ordinal);
        Assert.Contains("--samples", badSamples.Err, StringComparison.Ordinal);
    }
}
