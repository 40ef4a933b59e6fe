using System.Globalization;
using System.Text.Json;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Cli;

/// <summary>
/// The CLI against an audit schema installed under another name (cli_audit, owned and used by cli_audit_* roles), in a
/// database with no threadline schema: every command reads and writes there when given --audit-schema (or
/// THREADLINE_AUDIT_SCHEMA); without it, the commands refuse with a message naming the schema and the option instead
/// of failing on their first statement or installing a second copy.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliAuditSchemaTests(DatabaseFixture platform)
{
    private const string Schema = "cli_audit";

    private static readonly ThreadlineSchemaOptions CliAudit = new()
    {
        Schema = Schema,
        OwnerRole = "cli_audit_owner",
        ReaderRole = "cli_audit_reader",
        RetentionRole = "cli_audit_retention",
        WriterRole = "cli_audit_writer",
    };

    private static readonly string[] Roles =
    [
        "--audit-owner-role", CliAudit.OwnerRole, "--audit-reader-role", CliAudit.ReaderRole,
        "--audit-retention-role", CliAudit.RetentionRole, "--audit-writer-role", CliAudit.WriterRole,
    ];

    [Fact]
    public async Task Every_command_uses_the_audit_schema_it_is_given_and_without_it_the_error_names_the_schema_and_the_option()
    {
        var database = await TemporaryDatabase.CreateAsync(platform, "cli_audit");
        try
        {
            var connection = database.ConnectionString;
            string[] audit = ["--audit-schema", Schema, "--connection", connection];
            var fromVariables = new Dictionary<string, string> { ["THREADLINE_AUDIT_SCHEMA"] = Schema, ["THREADLINE_CONNECTION"] = connection };

            var install = (await CliRunner.RunAsync(["schema", "install", "--json", .. audit, .. Roles])).Expect(0);
            var version = (await CliRunner.RunWithEnvironmentAsync(fromVariables, "schema", "version", "--json")).Expect(0);
            await database.ExecuteAsync("CREATE TABLE public.orders (id int PRIMARY KEY, note text NOT NULL, secret text); CREATE TABLE public.other (id int PRIMARY KEY)");
            var enable = (await CliRunner.RunAsync(["capture", "enable", "--table", "orders", "--mask", "secret", "--audit-owner-role", CliAudit.OwnerRole, .. audit])).Expect(0);
            await WriteAsync(database);

            var list = (await CliRunner.RunWithEnvironmentAsync(fromVariables, "capture", "list", "--json")).Expect(0);
            var rowTimeline = (await CliRunner.RunAsync(["export", "--table", "orders", "--key", "{\"id\":1}", "--format", "ndjson", .. audit])).Expect(0);
            var byAction = (await CliRunner.RunAsync(["export", "--action-name", "orders.import", "--format", "ndjson", .. audit])).Expect(0);
            var byCorrelation = (await CliRunner.RunAsync(["export", "--correlation-id", "corr-1", "--dry-run", "--json", .. audit])).Expect(0);
            var csv = (await CliRunner.RunAsync(["export", "--table", "orders", "--format", "csv", .. audit])).Expect(0);
            var coverage = (await CliRunner.RunAsync(["verify", "coverage", "--require", "public.orders", "--json", .. audit])).Expect(0);
            var completeness = (await CliRunner.RunAsync(["verify", "completeness", "--json", .. audit])).Expect(0);
            var seal = (await CliRunner.RunAsync(["seal", "--json", .. audit])).Expect(0);
            var integrity = (await CliRunner.RunAsync(["verify", "integrity", "--json", .. audit])).Expect(0);
            var asOf = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var purge = (await CliRunner.RunAsync(["retention", "purge", "--window", "1h", "--as-of", asOf, "--json", .. audit])).Expect(0);

            Assert.Equal((Schema, SchemaInstaller.LatestVersion), (install.Json.GetProperty("auditSchema").GetString(), install.Json.GetProperty("currentVersion").GetInt32()));
            Assert.Equal((Schema, SchemaInstaller.LatestVersion), (version.Json.GetProperty("auditSchema").GetString(), version.Json.GetProperty("installedVersion").GetInt32()));
            Assert.Contains("Capture is enabled on public.orders.", enable.Out, StringComparison.Ordinal);
            Assert.Equal("orders", Assert.Single(list.Json.GetProperty("tables").EnumerateArray()).GetProperty("table").GetString());

            Assert.Equal(["insert/alice", "update/bob"], Changes(rowTimeline.Out).Select(c => $"{c.GetProperty("op").GetString()}/{c.GetProperty("actor_id").GetString()}"));
            Assert.Equal(["insert", "insert"], Changes(byAction.Out).Select(c => c.GetProperty("op").GetString()));
            Assert.Equal(2, byCorrelation.Json.GetProperty("matchingRows").GetInt64());
            Assert.Equal(5, csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            // The masked column's values stay out of every export.
            Assert.DoesNotContain("s3cret", rowTimeline.Out + byAction.Out + csv.Out, StringComparison.Ordinal);

            Assert.True(coverage.Json.GetProperty("ok").GetBoolean(), coverage.Out);
            var orders = Assert.Single(completeness.Json.GetProperty("tables").EnumerateArray());
            Assert.Equal((1L, 1L, 0L), (orders.GetProperty("rowsChecked").GetInt64(), orders.GetProperty("audited").GetInt64(), orders.GetProperty("unaudited").GetInt64()));
            Assert.Equal(Schema, seal.Json.GetProperty("schema").GetString());
            Assert.True(integrity.Json.GetProperty("intact").GetBoolean(), integrity.Out);
            // Sealed rows are the 4 changes (their 3 heads carry the transactions).
            Assert.Equal(4, integrity.Json.GetProperty("rowsVerified").GetInt64());
            Assert.Equal((true, 4L, 3L, 1L), (purge.Json.GetProperty("dryRun").GetBoolean(), purge.Json.GetProperty("changes").GetInt64(), purge.Json.GetProperty("transactions").GetInt64(), purge.Json.GetProperty("actions").GetInt64()));
            Assert.Equal(4, await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM cli_audit.changes"));

            // Without --audit-schema the commands look for "threadline", and say where Threadline really is.
            var listWithout = (await CliRunner.RunAsync("capture", "list", "--connection", connection)).Expect(4);
            var exportWithout = (await CliRunner.RunAsync("export", "--table", "orders", "--dry-run", "--json", "--connection", connection)).Expect(4);
            var versionWithout = (await CliRunner.RunAsync("schema", "version", "--connection", connection)).Expect(0);
            var installWithout = (await CliRunner.RunAsync("schema", "install", "--connection", connection)).Expect(4);

            Assert.Contains("The audit schema \"threadline\" (the default: neither --audit-schema nor THREADLINE_AUDIT_SCHEMA is set) is not installed", listWithout.Err, StringComparison.Ordinal);
            Assert.Contains("Threadline is installed there in schema \"cli_audit\"", listWithout.Err, StringComparison.Ordinal);
            Assert.Contains("hint: Give --audit-schema cli_audit (or set THREADLINE_AUDIT_SCHEMA=cli_audit).", listWithout.Err, StringComparison.Ordinal);
            Assert.Equal(4, exportWithout.Json.GetProperty("exitCode").GetInt32());
            Assert.Contains("\"threadline\"", exportWithout.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Contains("give --audit-schema cli_audit", versionWithout.Out, StringComparison.Ordinal);
            Assert.Contains("already installed in schema \"cli_audit\"", installWithout.Err, StringComparison.Ordinal);
            Assert.Equal(0, await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'threadline'"));

            // The install's roles: capture functions owned by another role could not write the audit tables.
            var wrongOwner = (await CliRunner.RunAsync(["capture", "enable", "--table", "other", .. audit])).Expect(4);
            var wrongGroups = (await CliRunner.RunAsync(["schema", "install", "--audit-owner-role", CliAudit.OwnerRole, .. audit])).Expect(4);
            var rightRoles = (await CliRunner.RunAsync(["schema", "install", .. audit, .. Roles])).Expect(0);

            Assert.Contains("belongs to role cli_audit_owner, not to threadline_owner", wrongOwner.Err, StringComparison.Ordinal);
            Assert.Contains("hint: Give --audit-owner-role cli_audit_owner", wrongOwner.Err, StringComparison.Ordinal);
            Assert.Equal(0, await CliRunner.ScalarAsync(connection, "SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'public.other'::regclass"));
            Assert.Contains("--audit-reader-role, --audit-retention-role, --audit-writer-role", wrongGroups.Err, StringComparison.Ordinal);
            Assert.Contains("already at version", rightRoles.Out, StringComparison.Ordinal);
        }
        finally
        {
            await database.DisposeAsync();
            await using var admin = await platform.OpenDirectAsync();
            await admin.ExecAsync("DROP ROLE IF EXISTS cli_audit_owner, cli_audit_reader, cli_audit_retention, cli_audit_writer");
        }
    }

    /// <summary>Three audited transactions: alice inserts two rows with an action, bob updates one (mask included), alice deletes the other.</summary>
    private static async Task WriteAsync(TemporaryDatabase database)
    {
        await using var db = await database.OpenAsync();
        await using (var tx = await db.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("alice")) { RequestId = "req-1", CorrelationId = "corr-1" }))
        {
            await db.ExecAsync("INSERT INTO public.orders VALUES (1, 'a', 's3cret-1'), (2, 'b', 's3cret-2')", tx);
            await tx.RecordActionAsync("orders.import", schema: CliAudit);
            await tx.CommitAsync();
        }

        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("bob")), "UPDATE public.orders SET note = 'a2', secret = 's3cret-3' WHERE id = 1");
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("alice")), "DELETE FROM public.orders WHERE id = 2");
    }

    private static JsonElement[] Changes(string ndjson) =>
        ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
}
