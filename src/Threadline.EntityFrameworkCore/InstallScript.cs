using System.Text;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// The audit schema's installer script as one statement that runs inside a migration's transaction: a <c>DO</c> block
/// that takes the installer's advisory lock, reads the installed version and runs the installer's own
/// <see cref="SchemaInstaller.GetScript"/> from that version, without its <c>BEGIN</c>/<c>COMMIT</c> (the migration's
/// transaction holds them): the missing version scripts, then every function file, as an install does.
/// </summary>
internal static class InstallScript
{
    /// <summary>The installer's lock key, so a migration and a concurrent <see cref="SchemaInstaller.InstallAsync(global::Npgsql.NpgsqlConnection, CancellationToken)"/> take turns.</summary>
    private const string LockKey = "threadline.schema_installer";

    public static string For(ThreadlineSchemaOptions? schemaOptions)
    {
        var installer = new SchemaInstaller(schemaOptions);
        var versions = AuditSchemaNames.For(installer.Options).SchemaVersions;
        var latest = SchemaInstaller.LatestVersion;
        var sql = new StringBuilder();
        sql.AppendLine($"-- Threadline audit schema, version {latest} (SchemaInstaller.GetScript from the installed version).");
        sql.AppendLine("DO $threadline_install$");
        sql.AppendLine("DECLARE installed integer := 0;");
        sql.AppendLine("BEGIN");
        sql.AppendLine($"    IF current_setting('server_version_num')::int < {SchemaInstaller.MinimumPostgresMajorVersion * 10000} THEN");
        sql.AppendLine($"        RAISE EXCEPTION 'Threadline needs PostgreSQL {SchemaInstaller.MinimumPostgresMajorVersion} or later; the server runs %', current_setting('server_version');");
        sql.AppendLine("    END IF;");
        sql.AppendLine($"    PERFORM pg_advisory_xact_lock(hashtext({SqlIdentifier.Literal(LockKey)}));");
        // Dynamic: the versions table may not exist yet, and a static reference would fail when the block is planned.
        sql.AppendLine($"    IF to_regclass({SqlIdentifier.Literal(versions)}) IS NOT NULL THEN");
        sql.AppendLine($"        EXECUTE {SqlIdentifier.Literal($"SELECT coalesce(max(version), 0) FROM {versions}")} INTO installed;");
        sql.AppendLine("    END IF;");
        sql.AppendLine($"    IF installed > {latest} THEN");
        sql.AppendLine($"        RAISE EXCEPTION 'The database has Threadline schema version %, newer than this library knows ({latest}). Upgrade the Threadline packages.', installed;");
        sql.AppendLine("    END IF;");
        sql.AppendLine($"    IF installed > 0 AND installed < {SchemaInstaller.BaselineVersion} THEN");
        sql.AppendLine($"        RAISE EXCEPTION 'The database has Threadline schema version %, a pre-release layout: this library installs and upgrades from version {SchemaInstaller.BaselineVersion} on. Export the audit history you need, drop the audit schema and migrate again.', installed;");
        sql.AppendLine("    END IF;");
        // One path per version the installer starts from: nothing installed, or an installed version from the baseline
        // on. Each re-applies the function files, as InstallAsync does on every run.
        foreach (var from in new[] { 0 }.Concat(Enumerable.Range(SchemaInstaller.BaselineVersion, latest - SchemaInstaller.BaselineVersion + 1)))
        {
            var step = WithoutTransaction(installer.GetScript(from));
            var tag = DollarTag(step, from);
            sql.AppendLine($"    IF installed = {from} THEN");
            sql.AppendLine($"        EXECUTE {tag}");
            sql.AppendLine(step);
            sql.AppendLine($"{tag};");
            sql.AppendLine("    END IF;");
        }

        sql.AppendLine("END");
        sql.Append("$threadline_install$;");
        return sql.ToString();
    }

    /// <summary>The script between its <c>BEGIN;</c> and <c>COMMIT;</c> lines: inside a <c>DO</c> block, the migration's transaction is the one.</summary>
    internal static string WithoutTransaction(string script)
    {
        var lines = script.ReplaceLineEndings("\n").Split('\n').ToList();
        var begin = lines.FindIndex(l => l.Trim() == "BEGIN;");
        var commit = lines.FindLastIndex(l => l.Trim() == "COMMIT;");
        if (begin < 0 || commit < begin)
        {
            throw new InvalidOperationException("The installer's script is not wrapped in BEGIN; ... COMMIT; lines, so it cannot run inside a migration's transaction.");
        }

        return string.Join('\n', lines.Skip(begin + 1).Take(commit - begin - 1));
    }

    /// <summary>A dollar-quote tag that the quoted text does not contain.</summary>
    private static string DollarTag(string text, int fromVersion)
    {
        var tag = $"$threadline_from_{fromVersion}$";
        while (text.Contains(tag, StringComparison.Ordinal))
        {
            tag = tag.Insert(tag.Length - 1, "_");
        }

        return tag;
    }
}
