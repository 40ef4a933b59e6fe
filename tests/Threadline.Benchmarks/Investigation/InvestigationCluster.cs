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

    private static string Pooled(LocalCluster cluster, string database, string user) =>
        new NpgsqlConnectionStringBuilder(cluster.DirectConnectionString(database)) { Username = user, Pooling = true, CommandTimeout = 600 }.ConnectionString;
}
