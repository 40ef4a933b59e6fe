using Npgsql;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Cli;

/// <summary>threadline capture enable | list | disable | apply | require-actor-everywhere, and the refusals (exit 4).</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliCaptureTests(DatabaseFixture platform)
{
    [Fact]
    public async Task Enable_with_options_then_list_shows_them_capture_works_and_disable_removes_it()
    {
        await using var database = await InstalledDatabaseAsync("cli_capture");
        var connection = database.ConnectionString;
        await database.ExecuteAsync("CREATE TABLE public.customers (id int PRIMARY KEY, name text, ssn text, avatar bytea)");

        var enabled = (await CliRunner.RunAsync(
            "capture", "enable", "--table", "customers", "--mask", "ssn", "--exclude", "avatar", "--mask-placeholder", "***",
            "--require-actor", "--connection", connection)).Expect(0);
        var listed = (await CliRunner.RunAsync("capture", "list", "--json", "--connection", connection)).Expect(0);
        var text = (await CliRunner.RunAsync("capture", "list", "--connection", connection)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User("cli-tests")), "INSERT INTO public.customers VALUES (1, 'Ada', '123-45-6789', '\\x00')");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("INSERT INTO public.customers VALUES (2, 'Nobody', NULL, NULL)"));
            Assert.Contains("customers", refused.MessageText, StringComparison.Ordinal);
        }

        var stored = await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM threadline.change_log WHERE table_name = 'customers' AND data_after->>'ssn' = '***' AND NOT data_after ? 'avatar'");
        var disabled = (await CliRunner.RunAsync("capture", "disable", "--table", "customers", "--connection", connection)).Expect(0);
        var again = (await CliRunner.RunAsync("capture", "disable", "--schema", "public", "--table", "customers", "--connection", connection)).Expect(0);
        var empty = (await CliRunner.RunAsync("capture", "list", "--json", "--connection", connection)).Expect(0);

        Assert.Contains("Capture is enabled on public.customers", enabled.Out, StringComparison.Ordinal);
        var table = Assert.Single(listed.Json.GetProperty("tables").EnumerateArray());
        Assert.Equal("customers", table.GetProperty("table").GetString());
        Assert.Equal(["id"], table.GetProperty("keyColumns").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["ssn"], table.GetProperty("mask").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["avatar"], table.GetProperty("exclude").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("***", table.GetProperty("maskPlaceholder").GetString());
        Assert.True(table.GetProperty("requireActor").GetBoolean());
        Assert.True(table.GetProperty("active").GetBoolean());
        Assert.Contains("public.customers", text.Out, StringComparison.Ordinal);
        Assert.Contains("triggers:   4/4 active", text.Out, StringComparison.Ordinal);
        Assert.Equal(1L, stored);
        Assert.Contains("Capture is disabled on public.customers", disabled.Out, StringComparison.Ordinal);
        Assert.Contains("was not captured", again.Out, StringComparison.Ordinal);
        Assert.Empty(empty.Json.GetProperty("tables").EnumerateArray());
    }

    [Fact]
    public async Task Enable_script_prints_the_ddl_and_changes_nothing()
    {
        await using var database = await InstalledDatabaseAsync("cli_script");
        await database.ExecuteAsync("CREATE SCHEMA sales; CREATE TABLE sales.invoices (id int PRIMARY KEY, iban text)");

        var script = (await CliRunner.RunAsync("capture", "enable", "--schema", "sales", "--table", "invoices", "--mask", "iban", "--script", "--connection", database.ConnectionString)).Expect(0);
        var offline = (await CliRunner.RunAsync("capture", "enable", "--table", "sales.invoices", "--key", "id", "--script")).Expect(0);
        var offlineWithoutKey = (await CliRunner.RunAsync("capture", "enable", "--table", "invoices", "--script")).Expect(2);
        var listed = (await CliRunner.RunAsync("capture", "list", "--json", "--connection", database.ConnectionString)).Expect(0);

        Assert.Contains("CREATE", script.Out, StringComparison.Ordinal);
        Assert.Contains("threadline_capture_", script.Out, StringComparison.Ordinal);
        Assert.Contains("\"sales\".\"invoices\"", script.Out, StringComparison.Ordinal);
        Assert.Contains("threadline_capture_", offline.Out, StringComparison.Ordinal);
        Assert.Contains("'sales.invoices'", offline.Out, StringComparison.Ordinal);
        Assert.Contains("--key", offlineWithoutKey.Err, StringComparison.Ordinal);
        Assert.Empty(listed.Json.GetProperty("tables").EnumerateArray());
    }

    [Fact]
    public async Task Apply_converges_to_a_configuration_file_and_refuses_a_malformed_one_naming_the_entry()
    {
        await using var database = await InstalledDatabaseAsync("cli_apply");
        var connection = database.ConnectionString;
        await database.ExecuteAsync("CREATE TABLE public.orders (id int PRIMARY KEY, card text); CREATE TABLE public.events (tenant int, n int, body text)");
        var directory = Directory.CreateTempSubdirectory("threadline-cli-");
        try
        {
            var appsettings = Path.Combine(directory.FullName, "appsettings.json");
            await File.WriteAllTextAsync(appsettings, """
                {
                  "Logging": { "LogLevel": { "Default": "Information" } },
                  "Threadline": { "Capture": { "Tables": [
                    { "Table": "orders", "Mask": [ "card" ] },
                    { "Schema": "public", "Table": "events", "KeyColumns": [ "tenant", "n" ], "RequireActor": true }, // composite key
                  ] } }
                }
                """);
            var onlyOrders = Path.Combine(directory.FullName, "capture.json");
            await File.WriteAllTextAsync(onlyOrders, """[ { "table": "orders", "mask": [ "card" ] } ]""");
            var typo = Path.Combine(directory.FullName, "typo.json");
            await File.WriteAllTextAsync(typo, """[ { "Table": "orders" }, { "Table": "events", "Masks": [ "body" ] } ]""");

            var first = (await CliRunner.RunAsync("capture", "apply", "--file", appsettings, "--json", "--connection", connection)).Expect(0);
            var second = (await CliRunner.RunAsync("capture", "apply", "--file", onlyOrders, "--disable-unlisted", "--connection", connection)).Expect(0);
            var malformed = (await CliRunner.RunAsync("capture", "apply", "--file", typo, "--connection", connection)).Expect(2);
            var missing = (await CliRunner.RunAsync("capture", "apply", "--file", Path.Combine(directory.FullName, "nope.json"), "--connection", connection)).Expect(2);
            var listed = (await CliRunner.RunAsync("capture", "list", "--json", "--connection", connection)).Expect(0);

            Assert.Equal(["public.events", "public.orders"], first.Json.GetProperty("enabled").EnumerateArray().Select(e => e.GetString()).Order());
            Assert.Contains("Unchanged: public.orders", second.Out, StringComparison.Ordinal);
            Assert.Contains("Disabled:  public.events", second.Out, StringComparison.Ordinal);
            Assert.Contains("$[1]", malformed.Err, StringComparison.Ordinal);
            Assert.Contains("Masks", malformed.Err, StringComparison.Ordinal);
            Assert.Contains("--file", missing.Err, StringComparison.Ordinal);
            Assert.Equal("orders", Assert.Single(listed.Json.GetProperty("tables").EnumerateArray()).GetProperty("table").GetString());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Require_actor_everywhere_turns_strict_attribution_on_and_off()
    {
        await using var database = await InstalledDatabaseAsync("cli_strict");
        var connection = database.ConnectionString;
        await database.ExecuteAsync("CREATE TABLE public.notes (id int PRIMARY KEY)");
        (await CliRunner.RunAsync("capture", "enable", "--table", "notes", "--connection", connection)).Expect(0);

        (await CliRunner.RunAsync("capture", "require-actor-everywhere", "on", "--connection", connection)).Expect(0);
        var on = (await CliRunner.RunAsync("capture", "list", "--json", "--connection", connection)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("INSERT INTO public.notes VALUES (1)"));
        }

        (await CliRunner.RunAsync("capture", "require-actor-everywhere", "off", "--connection", connection)).Expect(0);
        await using (var db = await database.OpenAsync())
        {
            await db.ExecAsync("INSERT INTO public.notes VALUES (2)");
        }

        var bad = (await CliRunner.RunAsync("capture", "require-actor-everywhere", "maybe", "--connection", connection)).Expect(2);

        Assert.True(on.Json.GetProperty("requireActorEverywhere").GetBoolean());
        Assert.Contains("maybe", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabling_capture_on_a_table_without_a_primary_key_is_refused_with_exit_code_4()
    {
        await using var database = await InstalledDatabaseAsync("cli_refused");
        await database.ExecuteAsync("CREATE TABLE public.loose (a int, b text)");

        var refused = (await CliRunner.RunAsync("capture", "enable", "--table", "loose", "--connection", database.ConnectionString)).Expect(4);
        var unknown = (await CliRunner.RunAsync("capture", "enable", "--table", "loose", "--key", "nope", "--connection", database.ConnectionString)).Expect(4);
        var missingTable = (await CliRunner.RunAsync("capture", "enable", "--table", "ghost", "--connection", database.ConnectionString)).Expect(4);
        var json = (await CliRunner.RunAsync("capture", "enable", "--table", "loose", "--json", "--connection", database.ConnectionString)).Expect(4);

        Assert.Contains("no primary key", refused.Err, StringComparison.Ordinal);
        Assert.Contains("public.loose", refused.Err, StringComparison.Ordinal);
        Assert.Contains("--key", refused.Err, StringComparison.Ordinal);
        Assert.Contains("nope", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("does not exist", missingTable.Err, StringComparison.Ordinal);
        Assert.False(json.Json.GetProperty("ok").GetBoolean());
        Assert.Equal(4, json.Json.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Capture_on_a_database_without_the_schema_is_refused_with_a_hint_to_install_it()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "cli_noschema");

        var result = (await CliRunner.RunAsync("capture", "list", "--connection", database.ConnectionString)).Expect(4);

        Assert.Contains("threadline schema install", result.Err, StringComparison.Ordinal);
    }

    private async Task<TemporaryDatabase> InstalledDatabaseAsync(string prefix)
    {
        var database = await TemporaryDatabase.CreateAsync(platform, prefix);
        (await CliRunner.RunAsync("schema", "install", "--connection", database.ConnectionString)).Expect(0);
        return database;
    }
}
