using Threadline.EntityFrameworkCore;
using Threadline.Schema;

namespace Threadline.UnitTests;

/// <summary>The SQL that <c>migrationBuilder.InstallThreadline()</c> emits, before any database runs it (see EfSchemaInstallMigrationTests).</summary>
public sealed class InstallScriptTests
{
    [Fact]
    public void The_script_is_one_DO_block_with_a_path_from_each_version_the_installer_starts_from()
    {
        var script = InstallScript.For(null);

        Assert.StartsWith("-- Threadline audit schema", script, StringComparison.Ordinal);
        Assert.Contains("DO $threadline_install$", script, StringComparison.Ordinal);
        Assert.EndsWith("END\n$threadline_install$;", script.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("pg_advisory_xact_lock(hashtext('threadline.schema_installer'))", script, StringComparison.Ordinal);
        Assert.Contains($"IF installed > 0 AND installed < {SchemaInstaller.BaselineVersion} THEN", script, StringComparison.Ordinal);
        Assert.Contains("IF installed = 0 THEN", script, StringComparison.Ordinal);
        for (var version = SchemaInstaller.BaselineVersion; version <= SchemaInstaller.LatestVersion; version++)
        {
            Assert.Contains($"IF installed = {version} THEN", script, StringComparison.Ordinal);
        }

        // Every path ends with the function files, as every InstallAsync does.
        Assert.All(SchemaInstaller.Functions, f => Assert.Contains($"-- function: {f.Name}", script, StringComparison.Ordinal));

        // The migration's transaction is the only one: no line of the installer's BEGIN/COMMIT is left.
        var lines = script.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).ToList();
        Assert.DoesNotContain("BEGIN;", lines);
        Assert.DoesNotContain("COMMIT;", lines);
    }

    [Fact]
    public void Another_schema_name_reaches_the_version_check_and_the_steps()
    {
        var script = InstallScript.For(new ThreadlineSchemaOptions { Schema = "audit_x", OwnerRole = "audit_x_owner", ReaderRole = "audit_x_reader", RetentionRole = "audit_x_retention", WriterRole = "audit_x_writer" });

        Assert.Contains("to_regclass('\"audit_x\".\"schema_versions\"')", script, StringComparison.Ordinal);
        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"audit_x\"", script, StringComparison.Ordinal);
        Assert.DoesNotContain("\"threadline\".", script, StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_without_its_transaction_lines_is_refused_rather_than_run_half()
    {
        Assert.Equal("SELECT 1;", InstallScript.WithoutTransaction("-- header\nBEGIN;\nSELECT 1;\nCOMMIT;\n"));
        Assert.Throws<InvalidOperationException>(() => InstallScript.WithoutTransaction("SELECT 1;"));
    }
}
