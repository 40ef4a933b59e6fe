using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.Benchmarks;

/// <summary>One fresh database of the purge benchmark and how its synthetic history was loaded.</summary>
public sealed record PurgeDatabaseLoad(string Database, bool Partitioned, TimeSpan Load, TimeSpan Vacuum, long ChangesBytes, long TransactionsBytes, int Partitions);

/// <summary>One database's share of one step: the dry run, the executed purge, and the vacuum after it.</summary>
public sealed record PurgeStepResult(
    int Step,
    string ExpiredMonth,
    string Database,
    bool Partitioned,
    int BatchSize,
    TimeSpan DryRun,
    PurgeSummary DryRunSummary,
    TimeSpan Purge,
    PurgeSummary Summary,
    TimeSpan ChangesPhase,
    IReadOnlyList<TimeSpan> ChangeBatchTimes,
    double? DropFunctionMilliseconds,
    TimeSpan Vacuum)
{
    public double ChangesPerSecond => Summary.Changes / Purge.TotalSeconds;

    /// <summary>
    /// Median time of the first and of the last three full batches of change deletes (the final, partial batch
    /// scans on to the end of the table, so it is left out); null with fewer than two full batches.
    /// </summary>
    public (TimeSpan First, TimeSpan Last)? FullBatchTrend
    {
        get
        {
            var full = ChangeBatchTimes.Take(ChangeBatchTimes.Count - 1).ToList();
            if (full.Count < 2)
            {
                return null;
            }

            var n = Math.Min(3, full.Count / 2);
            static TimeSpan Median(IEnumerable<TimeSpan> times) => TimeSpan.FromSeconds(Stats.Median(times.Select(t => t.TotalSeconds).ToList()));
            return (Median(full.Take(n)), Median(full.TakeLast(n)));
        }
    }

    public bool MatchesDryRun => DryRunSummary.Changes == Summary.Changes && DryRunSummary.Transactions == Summary.Transactions;
}

/// <summary>The bare <c>drop_change_partitions_before</c> call, timed by the client, outside the purger.</summary>
public sealed record BareDropResult(string Partition, long Rows, TimeSpan Duration);

public sealed record PurgeRun(
    BenchmarkSettings Settings,
    MachineInfo Machine,
    DateTimeOffset StartedAt,
    TimeSpan Elapsed,
    PurgeDataset Dataset,
    int MeanDataAfterBytes,
    IReadOnlyList<PurgeDatabaseLoad> Loads,
    IReadOnlyList<PurgeStepResult> Steps,
    BareDropResult BareDrop);

/// <summary>
/// Retention purge, row deletes against partition drops, side by side (issue 5). Two fresh databases on the
/// benchmark's PostgreSQL get the same synthetic history: <c>purge_rows</c> a plain install, <c>purge_partitioned</c>
/// an install with monthly partitions. Each step expires the oldest remaining month in both, with the same policy
/// and the same <c>asOf</c>: a dry run, then the executed purge (as <c>threadline_retention</c>), then a
/// <c>VACUUM (ANALYZE)</c> so the next step starts from the same state on both sides. Steps alternate the batch size
/// and which database goes first. Both databases are dropped at the end.
/// </summary>
public sealed class PurgeBenchmark(BenchmarkSettings settings, string directConnectionString)
{
    public const string RowsDatabase = "purge_rows";
    public const string PartitionedDatabase = "purge_partitioned";

    /// <summary>One step per entry, each expiring one more month; the month after the last step is left for the bare drop call.</summary>
    public static IReadOnlyList<int> BatchSizes { get; } = [5_000, 50_000, 5_000, 50_000];

    public async Task<PurgeRun> RunAsync(MachineInfo machine, DateTimeOffset startedAt, Stopwatch clock, CancellationToken cancellationToken)
    {
        // Whole seconds: the purge's asOf round-trips through timestamptz (microseconds) unchanged.
        var asOf = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var dataset = new PurgeDataset(settings.PurgeChanges, asOf);
        void Log(string message) => Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {message}");

        Log($"Purge benchmark: {dataset.TotalChanges:N0} changes and {dataset.TotalTransactions:N0} transactions per database, " +
            $"months {PurgeDataset.MonthName(dataset.MonthStarts[0])} to {PurgeDataset.MonthName(dataset.MonthStarts[PurgeDataset.Months - 1])}, asOf {asOf:yyyy-MM-dd HH:mm:ss} UTC.");
        try
        {
            var loads = new List<PurgeDatabaseLoad>();
            foreach (var (database, partitioned) in new[] { (RowsDatabase, false), (PartitionedDatabase, true) })
            {
                loads.Add(await CreateAndLoadAsync(database, partitioned, dataset, Log, cancellationToken));
            }

            var meanDataAfter = await MeanDataAfterBytesAsync(cancellationToken);
            var steps = new List<PurgeStepResult>();
            for (var step = 1; step <= BatchSizes.Count; step++)
            {
                var order = step % 2 == 1 ? new[] { (RowsDatabase, false), (PartitionedDatabase, true) } : new[] { (PartitionedDatabase, true), (RowsDatabase, false) };
                foreach (var (database, partitioned) in order)
                {
                    var result = await RunStepAsync(database, partitioned, step, BatchSizes[step - 1], dataset, asOf, cancellationToken);
                    steps.Add(result);
                    Log($"step {step} ({result.ExpiredMonth}) {database}, batch {result.BatchSize:N0}: dry run {result.DryRun.TotalSeconds:F1} s; " +
                        $"purged {result.Summary.Changes:N0} changes and {result.Summary.Transactions:N0} transactions in {result.Purge.TotalSeconds:F1} s " +
                        $"({result.ChangesPerSecond:N0} changes/s, {result.Summary.Batches} batches" +
                        (result.Summary.Partitions.Count > 0 ? $", dropped {string.Join(", ", result.Summary.Partitions)}" : "") +
                        $"); vacuum {result.Vacuum.TotalSeconds:F1} s" +
                        (result.MatchesDryRun && result.Summary.Complete ? "" : " — WARNING: the executed purge differs from the dry run or stopped early"));
                }
            }

            var bareDrop = await BareDropAsync(dataset, cancellationToken);
            Log($"bare drop_change_partitions_before: {bareDrop.Partition} ({bareDrop.Rows:N0} changes) in {bareDrop.Duration.TotalMilliseconds:N0} ms");
            return new PurgeRun(settings, machine, startedAt, clock.Elapsed, dataset, meanDataAfter, loads, steps, bareDrop);
        }
        finally
        {
            // Even on failure or Ctrl+C: two multi-gigabyte databases must not outlive the run.
            foreach (var database in new[] { RowsDatabase, PartitionedDatabase })
            {
                await DropDatabaseAsync(database, CancellationToken.None);
            }

            Log("Dropped both purge databases.");
        }
    }

    private async Task<PurgeDatabaseLoad> CreateAndLoadAsync(
        string database, bool partitioned, PurgeDataset dataset, Action<string> log, CancellationToken cancellationToken)
    {
        await DropDatabaseAsync(database, cancellationToken);
        await using (var admin = new NpgsqlConnection(directConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await BenchTables.ExecuteAsync(admin, $"CREATE DATABASE {database}", cancellationToken);
        }

        await using var connection = await OpenAsync(database, cancellationToken);
        await new SchemaInstaller().InstallAsync(connection, cancellationToken);
        if (partitioned)
        {
            await new PartitioningManager().EnableAsync(connection, PartitionInterval.Month, ahead: 3, cancellationToken);
            await dataset.CreatePartitionsAsync(connection, cancellationToken);
        }

        log($"{database}: installed{(partitioned ? " with monthly partitions" : "")}; loading...");
        var stopwatch = Stopwatch.StartNew();
        await dataset.LoadAsync(connection, message => log($"{database}: {message}"), cancellationToken);
        var load = stopwatch.Elapsed;
        stopwatch.Restart();
        await VacuumAsync(connection, cancellationToken);
        var vacuum = stopwatch.Elapsed;

        await using var sizes = new NpgsqlCommand("""
            SELECT coalesce((SELECT sum(pg_total_relation_size(relid))::bigint FROM pg_partition_tree('threadline.changes')), pg_total_relation_size('threadline.changes')),
                   pg_total_relation_size('threadline.transactions'),
                   (SELECT count(*)::int FROM pg_partition_tree('threadline.changes') WHERE isleaf AND level > 0)
            """, connection);
        await using var reader = await sizes.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var result = new PurgeDatabaseLoad(database, partitioned, load, vacuum, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2));
        log($"{database}: loaded in {load.TotalSeconds:F0} s, VACUUM (ANALYZE) {vacuum.TotalSeconds:F0} s; changes {result.ChangesBytes / 1048576.0:N0} MiB, " +
            $"transactions {result.TransactionsBytes / 1048576.0:N0} MiB" + (partitioned ? $", {result.Partitions} partitions" : ""));
        return result;
    }

    private async Task<PurgeStepResult> RunStepAsync(
        string database, bool partitioned, int step, int batchSize, PurgeDataset dataset, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken);
        // Function timing (superuser-only setting) before dropping to the retention role the purge is meant to run as.
        await BenchTables.ExecuteAsync(connection, "SET track_functions = 'pl'; SET ROLE threadline_retention;", cancellationToken);
        // Step n expires months 0..n-1: the cutoff is the start of month n, exactly.
        var policy = new RetentionPolicy(asOf - new DateTimeOffset(dataset.MonthStarts[step], TimeSpan.Zero));
        var purger = new RetentionPurger();

        var stopwatch = Stopwatch.StartNew();
        var dryRun = await purger.PurgeAsync(connection, policy, execute: false, asOf: asOf, cancellationToken: cancellationToken);
        var dryRunTime = stopwatch.Elapsed;

        var dropBefore = await DropFunctionMillisecondsAsync(connection, cancellationToken);
        // The purger reports after every batch; until transactions go, the batches are change deletes.
        var changeBatchEnds = new List<TimeSpan>();
        stopwatch.Restart();
        var summary = await purger.PurgeAsync(
            connection, policy, execute: true, new PurgeLimits { BatchSize = batchSize }, asOf,
            progress =>
            {
                if (progress is { Transactions: 0, Actions: 0 })
                {
                    changeBatchEnds.Add(progress.Duration);
                }
            },
            cancellationToken);
        var purgeTime = stopwatch.Elapsed;
        var dropAfter = await DropFunctionMillisecondsAsync(connection, cancellationToken);

        await BenchTables.ExecuteAsync(connection, "RESET ROLE;", cancellationToken);
        stopwatch.Restart();
        await VacuumAsync(connection, cancellationToken);
        var vacuum = stopwatch.Elapsed;

        return new PurgeStepResult(step, PurgeDataset.MonthName(dataset.MonthStarts[step - 1]), database, partitioned, batchSize,
            dryRunTime, dryRun, purgeTime, summary, changeBatchEnds.LastOrDefault(),
            changeBatchEnds.Select((end, i) => i == 0 ? end : end - changeBatchEnds[i - 1]).ToList(),
            partitioned && dropBefore is { } before && dropAfter is { } after ? after - before : null, vacuum);
    }

    /// <summary>
    /// Server time spent in <c>drop_change_partitions_before</c> by this session so far (track_functions), or null
    /// when the server cannot report it (PostgreSQL before 15 has no <c>pg_stat_force_next_flush</c>).
    /// </summary>
    private static async Task<double?> DropFunctionMillisecondsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            // The session's pending function statistics are flushed when it goes idle after this statement.
            await BenchTables.ExecuteAsync(connection, "SELECT pg_stat_force_next_flush();", cancellationToken);
            await using var command = new NpgsqlCommand("""
                SELECT pg_stat_clear_snapshot();
                SELECT coalesce((SELECT total_time FROM pg_stat_user_functions WHERE schemaname = 'threadline' AND funcname = 'drop_change_partitions_before'), 0);
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return reader.GetDouble(0);
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    /// <summary>The next month's partition, dropped by the bare function call as the retention role, timed by the client.</summary>
    private async Task<BareDropResult> BareDropAsync(PurgeDataset dataset, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(PartitionedDatabase, cancellationToken);
        await BenchTables.ExecuteAsync(connection, "SET ROLE threadline_retention;", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT partition_name, table_key, row_count FROM threadline.drop_change_partitions_before($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = dataset.MonthStarts[BatchSizes.Count + 1], NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var partitions = new List<string>();
        long rows = 0;
        var stopwatch = Stopwatch.StartNew();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.IsDBNull(1))
                {
                    partitions.Add(reader.GetString(0));
                }
                else
                {
                    rows += reader.GetInt64(2);
                }
            }
        }

        return new BareDropResult(string.Join(", ", partitions), rows, stopwatch.Elapsed);
    }

    /// <summary>Mean stored size of data_after where present, from a 1% block sample of the rows database.</summary>
    private async Task<int> MeanDataAfterBytesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(RowsDatabase, cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(avg(pg_column_size(data_after)), 0)::int FROM threadline.changes TABLESAMPLE SYSTEM (1) WHERE data_after IS NOT NULL", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task VacuumAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // No timeout: vacuuming gigabytes on a busy machine may take longer than BenchTables' five minutes.
        await using var command = new NpgsqlCommand("VACUUM (ANALYZE) threadline.changes, threadline.transactions, threadline.actions;", connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<NpgsqlConnection> OpenAsync(string database, CancellationToken cancellationToken)
    {
        // No command timeout: a dry-run count or a vacuum over millions of rows may well exceed the default 30 s.
        var builder = new NpgsqlConnectionStringBuilder(directConnectionString) { Database = database, Pooling = false, CommandTimeout = 0 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task DropDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(directConnectionString);
        await admin.OpenAsync(cancellationToken);
        await BenchTables.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", cancellationToken);
    }
}
