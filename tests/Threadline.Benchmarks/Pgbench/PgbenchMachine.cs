using System.Runtime.InteropServices;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>What the pgbench figures were measured on, read from the cluster itself and the host.</summary>
public sealed record PgbenchMachine(int Cores, string Runtime, string PostgresVersion, string ServerSettings, string PgBouncerVersion, string PgbenchVersion, string LoadAtStart)
{
    public static async Task<PgbenchMachine> CollectAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken);
        var version = await Sql.ScalarAsync<string>(connection, "SELECT current_setting('server_version')", cancellationToken);
        var settings = await Sql.ScalarAsync<string>(connection,
            """
            SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
            WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'wal_level', 'max_wal_size', 'checkpoint_timeout', 'full_page_writes')
            """,
            cancellationToken);
        return new PgbenchMachine(
            Environment.ProcessorCount,
            RuntimeInformation.FrameworkDescription,
            version,
            settings,
            await FirstLineAsync(OsProcess.PgBouncer, cancellationToken),
            await FirstLineAsync(OsProcess.Bin("pgbench"), cancellationToken),
            LoadAverage());
    }

    /// <summary>The 1/5/15-minute load average: on a shared machine it says how much the neighbours were doing.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<string> FirstLineAsync(string binary, CancellationToken cancellationToken)
    {
        var output = await OsProcess.RunAsync(OsProcess.Command(binary, "--version"), cancellationToken);
        return output.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
    }
}
