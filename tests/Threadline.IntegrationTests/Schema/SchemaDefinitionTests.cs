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
    private static readonly string[] StampCallers = ["ensure_transaction_actor(p_table text, p_require_actor boolean)", "read_context()", "set_context(IN p_context text)"];

    [Fact]
    public async Task A_fresh_install_and_an_upgraded_v012_install_dump_the_same_schema()
    {
        await using var fresh = await TemporaryDatabase.CreateAsync(platform, "def_fresh");
        await using var upgraded = await TemporaryDatabase.CreateAsync(platform, "def_upgraded");
        await using (var db = await fresh.OpenAsync())
        {
            Assert.Equal((0, SchemaInstaller.LatestVersion, "12"), Outcome(await new SchemaInstaller().InstallAsync(db)));
        }

        await FrozenV012Install.ApplyAsync(upgraded);
        await using (var db = await upgraded.OpenAsync())
        {
            // At the latest version already: no version script runs, the function files do.
            Assert.Equal((12, SchemaInstaller.LatestVersion, ""), Outcome(await new SchemaInstaller().InstallAsync(db)));
        }

        var freshDump = await SchemaDumpAsync(fresh);
        var upgradedDump = await SchemaDumpAsync(upgraded);

        Assert.Contains("CREATE FUNCTION threadline.ensure_transaction_actor", freshDump, StringComparison.Ordinal);
        Assert.Contains("GRANT SELECT ON TABLE threadline.schema_versions TO threadline_reader;", freshDump, StringComparison.Ordinal);
        Assert.Equal(upgradedDump, freshDump);
    }

    [Fact]
    public async Task A_fresh_install_defines_every_function_as_the_old_version_scripts_did()
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

        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(SchemaInstaller.Functions.Count, now.Count);
        foreach (var (signature, definition) in before)
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
