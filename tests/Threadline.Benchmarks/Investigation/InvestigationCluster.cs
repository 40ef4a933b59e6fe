using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Schema;

namespace Threadline.Benchmarks.Investigation;

/// <summary>The private cluster of <c>--investigation</c>: no PgBouncer, room for a fast load, and a login role that reads as the reader role.</summary>
public static class InvestigationCluster
{
    /// <summary>A login member of the reader role, as the admin service's auditor user is.</summary>
    public const string ReaderUser = "bench_auditor";

    /// <summary>Checkpoints spaced for a bulk load; I/O timing for the EXPLAIN (ANALYZE, BUFFERS) plans.</summary>
    public static LocalClusterOptions Options { get; } = new(
        PgBouncer: false,
        ["max_wal_size = '8GB'", "checkpoint_timeout = '30min'", "maintenance_work_mem = '256MB'", "track_io_timing = on"]);

    public static async Task CreateReaderRoleAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken);
        await Sql.ExecuteAsync(connection, $"CREATE ROLE {ReaderUser} LOGIN IN ROLE {ThreadlineSchemaOptions.Default.ReaderRole}", cancellationToken);
    }

    public static string ReaderConnectionString(LocalCluster cluster, string database) =>
        Pooled(cluster, database, ReaderUser);

    public static string SuperuserConnectionString(LocalCluster cluster, string database) =>
        Pooled(cluster, database, LocalCluster.User);

    /// <summary>
    /// A superuser connection whose every statement logs its actual plan (auto_explain, ANALYZE and BUFFERS) to the
    /// server log. Startup options, not SETs: they are the session's reset values, so they survive the DISCARD ALL of a
    /// pooled connection's return. The plan is the one the reader role gets.
    /// </summary>
    public static string ExplainConnectionString(LocalCluster cluster, string database) =>
        new NpgsqlConnectionStringBuilder(SuperuserConnectionString(cluster, database))
        {
            Options = "-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0 -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on",
        }.ConnectionString;

    /// <summary>Runs <paramref name="work"/> and returns the audit queries' plans it left in the server log.</summary>
    public static async Task<string> CapturePlansAsync(LocalCluster cluster, Func<Task> work, CancellationToken cancellationToken)
    {
        var offset = new FileInfo(cluster.ServerLogPath).Length;
        await work();
        // The server writes the entry as the statement ends; give the log a moment.
        await Task.Delay(300, cancellationToken);
        await using var log = new FileStream(cluster.ServerLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(log);
        return AutoExplainLog.Plans(await reader.ReadToEndAsync(cancellationToken));
    }

    private static string Pooled(LocalCluster cluster, string database, string user) =>
        new NpgsqlConnectionStringBuilder(cluster.DirectConnectionString(database)) { Username = user, Pooling = true, CommandTimeout = 600 }.ConnectionString;
}
