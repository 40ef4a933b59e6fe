using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline export: CSV to a file, NDJSON to stdout, --dry-run counts, truncation, filter errors.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliExportTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Export_writes_csv_to_a_file_streams_ndjson_to_stdout_and_a_dry_run_counts()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_export");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("CREATE TABLE public.orders (id int PRIMARY KEY, note text); CREATE TABLE public.other (id int PRIMARY KEY)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "orders", "--connection", connection)).Expect(0);
        (await CliRunner.RunAsync("capture", "enable", "--table", "other", "--connection", connection)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("alice")), "INSERT INTO public.orders VALUES (1, 'first, with a comma'), (2, 'second')", "INSERT INTO public.other VALUES (1)");
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("bob")), "UPDATE public.orders SET note = 'changed \"quoted\"' WHERE id = 1");
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("alice")), "DELETE FROM public.orders WHERE id = 2");
        }

        var directory = Directory.CreateTempSubdirectory("threadline-export-");
        try
        {
            var file = Path.Combine(directory.FullName, "orders.csv");
            var csv = (await CliRunner.RunAsync("export", "--table", "orders", "--format", "csv", "--out", file, "--connection", connection)).Expect(0);
            var lines = await File.ReadAllLinesAsync(file);
            var ndjson = (await CliRunner.RunAsync("export", "--filter", "actorType=user", "--actor-id", "alice", "--format", "ndjson", "--connection", connection)).Expect(0);
            var count = (await CliRunner.RunAsync("export", "--table", "orders", "--op", "update,delete", "--dry-run", "--json", "--connection", connection)).Expect(0);
            var countText = (await CliRunner.RunAsync("export", "--table", "orders", "--dry-run", "--max-rows", "2", "--connection", connection)).Expect(0);
            var truncatedFile = Path.Combine(directory.FullName, "first-two.json");
            var truncated = (await CliRunner.RunAsync("export", "--table", "orders", "--format", "json", "--max-rows", "2", "--out", truncatedFile, "--json", "--connection", connection)).Expect(0);
            var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(truncatedFile)).RootElement;

            Assert.Equal(5, lines.Length);
            Assert.StartsWith("id,transaction_id,captured_at,table_schema,table_name,op,", lines[0], StringComparison.Ordinal);
            Assert.Equal(["insert", "insert", "update", "delete"], lines.Skip(1).Select(l => l.Split(',')[5]));
            Assert.Contains("first, with a comma", lines[1], StringComparison.Ordinal);
            Assert.Contains("Exported 4 changes to", csv.Out, StringComparison.Ordinal);
            Assert.Contains("Exporting to", csv.Err, StringComparison.Ordinal);
            Assert.False(File.Exists(file + ".partial"));

            var items = ndjson.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(4, items.Length);
            Assert.All(items, i => Assert.Equal("alice", i.GetProperty("actor_id").GetString()));
            Assert.Contains("Exported 4 changes", ndjson.Err, StringComparison.Ordinal);

            Assert.Equal(2, count.Json.GetProperty("matchingRows").GetInt64());
            Assert.False(count.Json.GetProperty("wouldTruncate").GetBoolean());
            Assert.Contains("4 changes match", countText.Out, StringComparison.Ordinal);
            Assert.Contains("TRUNCATED", countText.Out, StringComparison.Ordinal);

            Assert.Contains("TRUNCATED", truncated.Err, StringComparison.Ordinal);
            Assert.True(truncated.Json.GetProperty("truncated").GetBoolean());
            Assert.Equal(2, truncated.Json.GetProperty("rows").GetInt64());
            Assert.True(document.GetProperty("truncated").GetBoolean());
            Assert.Equal(2, document.GetProperty("items").GetArrayLength());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "--filter", "op=upsert" }, "'op'", "upsert")]
    [InlineData(new[] { "--op", "upsert" }, "--op", "upsert")]
    [InlineData(new[] { "--filter", "colour=red" }, "colour", "Known filters")]
    [InlineData(new[] { "--filter", "noequals" }, "--filter", "name=value")]
    [InlineData(new[] { "--actor-id", "alice" }, "actorId", "actorType")]
    [InlineData(new[] { "--table", "a", "--filter", "table=b" }, "'table'", "exactly once")]
    [InlineData(new[] { "--from", "yesterday" }, "'from'", "ISO 8601")]
    [InlineData(new[] { "--key", "{\"id\":1}" }, "'key'", "needs 'table'")]
    [InlineData(new[] { "--format", "xml" }, "xml", "csv")]
    [InlineData(new[] { "--max-rows", "0" }, "--max-rows", "1 to")]
    public async Task Invalid_filters_and_options_are_usage_errors_naming_the_argument(string[] arguments, string named, string explained)
    {
        var result = (await CliRunner.RunAsync(["export", .. arguments, "--connection", platform.DirectConnectionString])).Expect(2);

        Assert.Contains(named, result.Err, StringComparison.Ordinal);
        Assert.Contains(explained, result.Err, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }
}
