using System.Globalization;
using System.Text;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// Produces the frozen capture SQL: installs this build's schema and capture on <c>items</c> in a scratch database,
/// then keeps what pg_dump says it made: the whole <c>threadline</c> schema, the bookkeeping rows it needs, and the
/// triggers on <c>items</c> (the table itself already exists in every variant database).
/// </summary>
public static class FrozenCaptureExporter
{
    private const string ScratchDatabase = "freeze_scratch";

    public static async Task ExportAsync(LocalCluster cluster, string outputPath, CancellationToken cancellationToken)
    {
        await using (var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken))
        {
            await Sql.ExecuteAsync(admin, $"CREATE DATABASE {ScratchDatabase} TEMPLATE {ItemsTable.TemplateDatabase}", cancellationToken);
        }

        int version;
        await using (var scratch = await Sql.OpenAsync(cluster.DirectConnectionString(ScratchDatabase), cancellationToken))
        {
            await PgbenchVariants.InstallCurrentAsync(scratch, cancellationToken);
            version = await Sql.ScalarAsync<int>(scratch, "SELECT max(version) FROM threadline.schema_versions", cancellationToken);
        }

        var schema = await DumpAsync(cluster, cancellationToken, "--schema-only", "--schema=threadline");
        var rows = await DumpAsync(cluster, cancellationToken,
            "--data-only", "--inserts", "-t", "threadline.settings", "-t", "threadline.captured_tables", "-t", "threadline.schema_versions");
        var triggers = (await DumpAsync(cluster, cancellationToken, "--schema-only", "-t", "public.items"))
            .Split('\n')
            .Where(l => l.StartsWith("CREATE TRIGGER ", StringComparison.Ordinal) || l.Contains(" TRIGGER ", StringComparison.Ordinal) && l.StartsWith("ALTER TABLE ", StringComparison.Ordinal));

        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""
            -- Frozen Threadline capture, schema version {version}, written {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC by
            -- `dotnet run -c Release --project tests/Threadline.Benchmarks -- --pgbench --freeze-capture <file>`.
            -- Do not edit: it is the "before" that capture redesigns are compared with (variant threadline-v005).
            -- Applied to a copy of bench_template after the threadline_* roles exist (FrozenCapture.ApplyAsync).

            """);
        sql.Append("\n-- pg_dump --schema-only --schema=threadline\n").Append(schema);
        sql.Append("\n-- pg_dump --data-only --inserts: settings, captured_tables, schema_versions\n").Append(rows);
        sql.Append("\n-- The capture triggers on items, from pg_dump --schema-only -t public.items\n").AppendJoin('\n', triggers).Append('\n');
        await File.WriteAllTextAsync(outputPath, sql.ToString(), cancellationToken);
        Console.WriteLine($"Frozen capture (schema version {version}) written to {Path.GetFullPath(outputPath)}.");
    }

    private static async Task<string> DumpAsync(LocalCluster cluster, CancellationToken cancellationToken, params string[] options)
    {
        var output = await OsProcess.RunCheckedAsync(
            OsProcess.Command(OsProcess.Bin("pg_dump"),
                [.. options, "-h", "127.0.0.1", "-p", cluster.PostgresPort.ToString(CultureInfo.InvariantCulture), "-U", LocalCluster.User, ScratchDatabase]),
            cancellationToken);
        // pg_dump 15.14+ wraps its output in psql-only \restrict / \unrestrict lines; Npgsql runs plain SQL.
        return string.Join('\n', output.StandardOutput.Split('\n').Where(l => !l.StartsWith('\\')));
    }
}
