using System.Diagnostics;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Schema;

/// <summary>
/// One current definition of the schema (issue 24): a fresh install and an install of the previous layout (the frozen
/// V012 install) upgraded by the installer end with the same schema, and the collapse of the version scripts into the
/// baseline and the function files lost nothing.
/// </summary>
[Collection(DatabaseCollection.Name)]
[Trait(RuntimeTrait.Name, RuntimeTrait.Local)]
public sealed class SchemaDefinitionTests(DatabaseFixture platform)
{
    private const string StampExpression = "(extract(epoch FROM now()) * 1000000)::bigint::text";

    // The one deliberate change of the collapse: these bodies call context_stamp() instead of repeating its expression.
    private static readonly string[] StampCallers = ["read_context()", "set_context(IN p_context text)"];

    // Version 13 (one row per change) rewrote these: they read or write the head of a transaction instead of its row.
    private static readonly string[] RewrittenByVersion13 =
    [
        "current_transaction_id()", "current_transaction_summary(OUT transaction_id bigint, OUT tables text[], OUT changes bigint)",
        "record_action(p_name text, p_status text, p_reason text)", "sealed_rows(p_after pg_snapshot, p_upto pg_snapshot)",
        "drop_change_partitions_before(p_cutoff timestamp with time zone)", "seal(p_skip_empty boolean)",
    ];

    // ...removed these (the capture's transaction row, the actor copy's default, the transaction row hash)...
    private static readonly string[] RemovedByVersion13 =
    [
        "ensure_transaction(p_table text, p_require_actor boolean)", "ensure_transaction_actor(p_table text, p_require_actor boolean)",
        "transaction_actor(p_part text)", "refuse_write(p_table text, p_refused jsonb)",
        "transaction_row_hash(p_id bigint, p_txid xid8, p_started_at timestamp with time zone, p_first_change_at timestamp with time zone, p_actor_type text, p_actor_id text, p_on_behalf_of_type text, p_on_behalf_of_id text, p_request_id text, p_correlation_id text, p_trace_id text, p_job_id text, p_source text, p_context jsonb, p_refused_context jsonb)",
        "change_row_hash(p_id bigint, p_transaction_id bigint, p_table_schema text, p_table_name text, p_op text, p_row_key jsonb, p_data_after jsonb, p_changed_fields text[], p_data_before jsonb, p_captured_at timestamp with time zone)",
    ];

    // ...and added these (the capture's entry point and its refusal, the kept context, the hash of a change with its head).
    private static readonly string[] AddedByVersion13 =
    [
        "begin_change(p_table text, p_require_actor boolean)", "refuse(p_table text, p_refusal text, p_refused jsonb)", "context_extra(p_ctx jsonb)",
        "change_row_hash(p_id bigint, p_tx_id bigint, p_captured_at timestamp with time zone, p_table_id integer, p_op \"char\", p_row_key text, p_data_after jsonb, p_data_before jsonb, p_txid xid8, p_started_at timestamp with time zone, p_actor_type text, p_actor_id text, p_on_behalf_of_type text, p_on_behalf_of_id text, p_request_id text, p_correlation_id text, p_trace_id text, p_job_id text, p_source text, p_context jsonb, p_refused_context jsonb)",
    ];

    [Fact]
    public async Task A_fresh_install_and_an_upgraded_v012_install_dump_the_same_schema()
    {
        await using var fresh = await TemporaryDatabase.CreateAsync(platform, "def_fresh");
        await using var upgraded = await TemporaryDatabase.CreateAsync(platform, "def_upgraded");
        await using (var db = await fresh.OpenAsync())
        {
            Assert.Equal((0, SchemaInstaller.LatestVersion, "12,13"), Outcome(await new SchemaInstaller().InstallAsync(db)));
        }

        await FrozenV012Install.ApplyAsync(upgraded);
        await using (var db = await upgraded.OpenAsync())
        {
            // The version 13 script runs (the one-row-per-change layout), then the function files.
            Assert.Equal((12, SchemaInstaller.LatestVersion, "13"), Outcome(await new SchemaInstaller().InstallAsync(db)));
        }

        var freshDump = await SchemaDumpAsync(fresh);
        var upgradedDump = await SchemaDumpAsync(upgraded);

        Assert.Contains("CREATE FUNCTION threadline.begin_change", freshDump, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX changes_one_head_per_transaction", freshDump, StringComparison.Ordinal);
        Assert.DoesNotContain("ensure_transaction", freshDump, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON TABLE threadline.schema_versions TO threadline_reader;", freshDump, StringComparison.Ordinal);
        Assert.Equal(upgradedDump, freshDump);
    }

    [Fact]
    public async Task A_fresh_install_defines_every_function_version_13_kept_as_the_old_version_scripts_did()
    {
        await using var fresh = await TemporaryDatabase.CreateAsync(platform, "def_functions");
        await using var old = await TemporaryDatabase.CreateAsync(platform, "def_old");
        await using (var db = await fresh.OpenAsync())
        {
            await new SchemaInstaller().InstallAsync(db);
        }

        await FrozenV012Install.ApplyAsync(old);

        var now = await FunctionsAsync(fresh);
        var before = await FunctionsAsync(old);

        Assert.Equal(before.Keys.Except(RemovedByVersion13).Concat(AddedByVersion13).Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(SchemaInstaller.Functions.Count, now.Count);
        Assert.All(RewrittenByVersion13, signature => Assert.NotEqual(before[signature], now[signature]));
        foreach (var (signature, definition) in before.Where(f => !RemovedByVersion13.Contains(f.Key) && !RewrittenByVersion13.Contains(f.Key)))
        {
            var expected = definition;
            if (signature == "context_stamp()")
            {
                // Deliberate: the same expression in PL/pgSQL (its plan is kept for the session; the SQL function's body was
                // planned again in every transaction). Everything but the body and language is unchanged.
                Assert.Contains("LANGUAGE sql", definition, StringComparison.Ordinal);
                Assert.Contains("LANGUAGE plpgsql", now[signature], StringComparison.Ordinal);
                Assert.Contains("RETURN " + StampExpression + ";", now[signature], StringComparison.Ordinal);
                Assert.Equal(Attributes(definition), Attributes(now[signature]));
                continue;
            }

            if (StampCallers.Contains(signature))
            {
                expected = definition.Replace(StampExpression, "\"threadline\".context_stamp()", StringComparison.Ordinal);
                Assert.True(expected != definition, $"{signature}: the old definition has no stamp expression to replace.");
            }

            Assert.Equal(expected, now[signature]);
        }
    }

    /// <summary>What FunctionsAsync reports after the definition: owner, ACL, settings, security, volatility, comment.</summary>
    private static string Attributes(string function) => function[function.IndexOf("\nowner=", StringComparison.Ordinal)..];

    private static (int, int, string) Outcome(SchemaInstallResult result) => (result.PreviousVersion, result.CurrentVersion, string.Join(',', result.Applied));

    /// <summary>Per function, procedure and aggregate: its whole definition, owner, ACL, settings, security and comment.</summary>
    private static async Task<Dictionary<string, string>> FunctionsAsync(TemporaryDatabase database)
    {
        await using var db = await database.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                   concat_ws(E'\n',
                       CASE WHEN p.prokind = 'a'
                            THEN format('aggregate sfunc=%s stype=%s initcond=%s', a.aggtransfn, format_type(a.aggtranstype, NULL), a.agginitval)
                            ELSE pg_get_functiondef(p.oid) END,
                       'owner=' || pg_get_userbyid(p.proowner), 'acl=' || coalesce(p.proacl::text, '(default)'),
                       'config=' || coalesce(p.proconfig::text, '-'), 'secdef=' || p.prosecdef, 'volatile=' || p.provolatile::text,
                       'parallel=' || p.proparallel::text, 'strict=' || p.proisstrict, 'leakproof=' || p.proleakproof, 'cost=' || p.procost,
                       'comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-'))
              FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
             WHERE p.pronamespace = 'threadline'::regnamespace
            """, db);
        var functions = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            functions.Add(reader.GetString(0), reader.GetString(1));
        }

        return functions;
    }

    /// <summary>
    /// pg_dump --schema-only of the audit schema, with the pg_dump of the server's own major version. Only the
    /// \restrict/\unrestrict lines are normalised: pg_dump writes a random key into them on every run.
    /// </summary>
    private static async Task<string> SchemaDumpAsync(TemporaryDatabase database)
    {
        int major;
        await using (var db = await database.OpenAsync())
        await using (var command = new NpgsqlCommand("SELECT current_setting('server_version_num')::int / 10000", db))
        {
            major = (int)(await command.ExecuteScalarAsync())!;
        }

        var pgDump = $"/usr/lib/postgresql/{major}/bin/pg_dump";
        Assert.True(File.Exists(pgDump), $"{pgDump} is missing: the schema comparison needs the pg_dump of the test server's major version {major}.");
        var connection = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var start = new ProcessStartInfo(pgDump, ["--schema-only", "--schema=threadline", "--no-password",
            "--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--username", connection.Username!, "--dbname", connection.Database!])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PGPASSWORD"] = connection.Password ?? "";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pg_dump failed ({process.ExitCode}): {await error}");
        return string.Join('\n', (await output).Split('\n').Where(line => !line.StartsWith("\\restrict ", StringComparison.Ordinal) && !line.StartsWith("\\unrestrict ", StringComparison.Ordinal)));
    }
}
