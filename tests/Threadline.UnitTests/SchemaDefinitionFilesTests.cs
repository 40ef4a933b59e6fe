using System.Text.RegularExpressions;
using Threadline.Schema;
using Threadline.UnitTests.DocsTests;

namespace Threadline.UnitTests;

/// <summary>
/// The shape of the schema's definition (issue 24): version scripts hold tables and data only, and every function has
/// one file with its current definition, applied in a listed order.
/// </summary>
public sealed partial class SchemaDefinitionFilesTests
{
    private static readonly string FunctionsFolder = Path.Combine(Repository.Root, "src", "Threadline", "Sql", "Functions");

    [Fact]
    public void Every_function_file_is_applied_once_and_in_the_listed_order()
    {
        var files = Directory.GetFiles(FunctionsFolder, "*.sql").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(files, SchemaInstaller.Functions.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(SchemaInstaller.Functions.Count, SchemaInstaller.Functions.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void A_function_file_defines_the_object_it_is_named_after_with_owner_and_no_public_execute()
    {
        foreach (var function in SchemaInstaller.Functions)
        {
            var creates = CreateStatement().Matches(function.Sql).Select(m => m.Groups["name"].Value).ToArray();
            Assert.True(creates.SequenceEqual([function.Name]), $"{function.Name}.sql creates [{string.Join(", ", creates)}]; a function file creates its own object only, with CREATE OR REPLACE.");
            Assert.Matches($@"ALTER (FUNCTION|PROCEDURE|AGGREGATE) \{{\{{schema\}}\}}\.{function.Name}\([^)]*\) OWNER TO \{{\{{owner\}}\}};", function.Sql);
            Assert.Matches($@"REVOKE ALL ON (FUNCTION|PROCEDURE) \{{\{{schema\}}\}}\.{function.Name}\([^)]*\) FROM PUBLIC;", function.Sql);
            // Every function pins its search_path, except set_context (its settings must outlive the call) and the aggregate.
            if (function.Name is not ("set_context" or "sample"))
            {
                Assert.Contains("SET search_path = pg_catalog, pg_temp", function.Sql, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Version_scripts_hold_no_function_definitions()
    {
        foreach (var migration in SchemaInstaller.Migrations)
        {
            Assert.DoesNotMatch(@"CREATE (OR REPLACE )?(FUNCTION|PROCEDURE|AGGREGATE)", migration.Sql);
        }
    }

    [Fact]
    public void The_context_stamp_expression_is_written_once_in_sql()
    {
        const string expression = "(extract(epoch FROM now()) * 1000000)::bigint::text";
        var sql = SchemaInstaller.Migrations.Select(m => ("V" + m.Version, m.Sql))
            .Concat(SchemaInstaller.Functions.Select(f => (f.Name, f.Sql)))
            .Concat(SqlStatements.Names.Select(n => (n, SqlStatements.Template(n))));

        Assert.Equal(["context_stamp"], sql.Where(s => s.Item2.Contains(expression, StringComparison.Ordinal)).Select(s => s.Item1));
        // The bridges send the same expression without the schema (ContextStampTests compares the results).
        Assert.Contains(expression, global::Threadline.Npgsql.NpgsqlAuditExtensions.SetContextSql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_install_below_the_baseline_or_short_of_the_latest_version_is_refused_before_connecting()
    {
        var installer = new SchemaInstaller();
        await using var unopened = new global::Npgsql.NpgsqlConnection();

        var early = Assert.Throws<ArgumentOutOfRangeException>(() => installer.GetScript(0, 5));
        var between = Assert.Throws<ArgumentOutOfRangeException>(() => installer.GetScript(3));
        var install = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => installer.InstallAsync(unopened, 1));

        Assert.Contains($"start at {SchemaInstaller.BaselineVersion}, the baseline", early.Message, StringComparison.Ordinal);
        Assert.Contains("never released", between.Message, StringComparison.Ordinal);
        Assert.Contains($"start at {SchemaInstaller.BaselineVersion}, the baseline", install.Message, StringComparison.Ordinal);
        Assert.Contains("-- function: begin_change", installer.GetScript(SchemaInstaller.LatestVersion), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pre_release_install_is_refused_with_what_to_do_and_the_baseline_is_accepted()
    {
        var installer = new SchemaInstaller();

        var refusal = installer.InstalledVersionRefusal(SchemaInstaller.BaselineVersion - 1);

        Assert.NotNull(refusal);
        Assert.Contains("DROP SCHEMA \"threadline\" CASCADE", refusal, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", refusal, StringComparison.Ordinal);
        Assert.Null(installer.InstalledVersionRefusal(0));
        Assert.Null(installer.InstalledVersionRefusal(SchemaInstaller.BaselineVersion));
        Assert.Contains("newer than this library knows", installer.InstalledVersionRefusal(SchemaInstaller.LatestVersion + 1), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE|AGGREGATE) \{\{schema\}\}\.(?<name>\w+)\(")]
    private static partial Regex CreateStatement();
}
