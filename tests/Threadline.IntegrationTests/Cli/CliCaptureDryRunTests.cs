using Npgsql;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline capture apply --dry-run: the plan with its reasons, exit 0, and nothing changed.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliCaptureDryRunTests(PlatformFixture platform)
{
    [Fact]
    public async Task Apply_dry_run_prints_each_change_and_its_reason_and_changes_nothing()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_dry_run");
        var connection = database.ConnectionString;
        (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(0);
        await database.ExecuteAsync("""
            CREATE TABLE public.orders (id int PRIMARY KEY, card text);
            CREATE TABLE public.events (id int PRIMARY KEY);
            CREATE TABLE public.invoices (id int PRIMARY KEY, iban text);
            """);
        var directory = Directory.CreateTempSubdirectory("threadline-dry-run-");
        try
        {
            var before = Path.Combine(directory.FullName, "before.json");
            var after = Path.Combine(directory.FullName, "after.json");
            var unknown = Path.Combine(directory.FullName, "unknown.json");
            await File.WriteAllTextAsync(before, """[ { "Table": "orders", "Mask": [ "card" ] }, { "Table": "events" } ]""");
            await File.WriteAllTextAsync(after, """[ { "Table": "orders", "Mask": [ "card", "note" ] }, { "Table": "invoices", "Mask": [ "iban" ] } ]""");
            await File.WriteAllTextAsync(unknown, """[ { "Table": "orders", "Mask": [ "nope" ] } ]""");
            (await CliRunner.RunAsync("capture", "apply", "--file", before, "--connection", connection)).Expect(0);
            await database.ExecuteAsync("ALTER TABLE public.orders ADD COLUMN note text");
            var registry = "SELECT string_agg(table_name || options::text || options_changed_at::text, ';' ORDER BY table_name) FROM threadline.captured_tables";
            var triggers = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'threadline_capture_%'";
            // Masking and exclusion live in the generated capture functions: their source (and settings) must not change.
            var functions = """
                SELECT count(*) || ' ' || md5(string_agg(p.oid::regprocedure::text || coalesce(array_to_string(p.proconfig, ','), '') || p.prosrc, E'\n' ORDER BY p.oid::regprocedure::text))
                  FROM pg_proc p WHERE p.oid IN (SELECT t.tgfoid FROM pg_trigger t WHERE t.tgname LIKE 'threadline_capture_%')
                """;
            var functionsBefore = await ScalarTextAsync(connection, functions);
            var registryBefore = await ScalarTextAsync(connection, registry);
            var triggersBefore = await CliRunner.ScalarAsync(connection, triggers);

            var text = (await CliRunner.RunAsync("capture", "apply", "--file", after, "--disable-unlisted", "--dry-run", "--connection", connection)).Expect(0);
            var json = (await CliRunner.RunAsync("capture", "apply", "--file", after, "--dry-run", "--json", "--connection", connection)).Expect(0);
            var refused = (await CliRunner.RunAsync("capture", "apply", "--file", unknown, "--dry-run", "--connection", connection)).Expect(4);

            Assert.Contains("Dry run: nothing was changed.", text.Out, StringComparison.Ordinal);
            Assert.Contains("change    public.orders", text.Out, StringComparison.Ordinal);
            Assert.Contains("- mask: card -> card, note", text.Out, StringComparison.Ordinal);
            Assert.Contains("- column note was added since capture was applied and is captured in clear", text.Out, StringComparison.Ordinal);
            Assert.Contains("enable    public.invoices", text.Out, StringComparison.Ordinal);
            Assert.Contains("disable   public.events", text.Out, StringComparison.Ordinal);
            Assert.Contains("3 tables would change; run without --dry-run to apply.", text.Out, StringComparison.Ordinal);
            var tables = json.Json.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!, t => t.GetProperty("action").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["public.orders"] = "change", ["public.invoices"] = "enable", ["public.events"] = "unchanged" }, tables);
            Assert.True(json.Json.GetProperty("dryRun").GetBoolean());
            Assert.Contains("Unknown masked column nope in public.orders", refused.Err, StringComparison.Ordinal);
            Assert.Equal(registryBefore, await ScalarTextAsync(connection, registry));
            Assert.Equal(functionsBefore, await ScalarTextAsync(connection, functions));
            Assert.StartsWith("2 ", functionsBefore, StringComparison.Ordinal);
            Assert.Equal(triggersBefore, await CliRunner.ScalarAsync(connection, triggers));
            Assert.Equal(8L, triggersBefore);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> ScalarTextAsync(string connectionString, string sql)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
