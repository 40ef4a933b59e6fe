using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Capture;
using Threadline.Npgsql;
using Threadline.Operations;
using Threadline.Schema;

namespace Threadline.Benchmarks;

/// <summary>
/// <c>--completeness [--rows N] [--bypassed N]</c>: the cost of <c>threadline verify completeness</c> on one captured
/// table on a private cluster (no AppHost). The table is loaded through capture in 10,000-row transactions, a tenth
/// of it updated through capture, and some rows updated with session_replication_role = replica; the check must find
/// exactly those. Prints wall time, the client's peak memory, the server backend's peak memory and its temp files,
/// with the default work_mem and with 64MB, and again after VACUUM FREEZE.
/// </summary>
public static class CompletenessBenchmark
{
    private const int BatchRows = 10_000;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = Argument(args, "--rows", 1_000_000);
        var bypassed = Argument(args, "--bypassed", 1_000);
        if (rows < BatchRows || bypassed < 1 || bypassed > rows / 10)
        {
            Console.Error.WriteLine($"--rows must be at least {BatchRows:N0}, and --bypassed from 1 to a tenth of --rows.");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Threadline completeness-check benchmark: {rows:N0} captured rows, {bypassed:N0} written past capture. Starting a private PostgreSQL cluster...");
        await using var cluster = await LocalCluster.StartAsync(message => Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {message}"), cancellationToken);
        await using (var admin = new NpgsqlConnection(cluster.DirectConnectionString("postgres")))
        {
            await admin.OpenAsync(cancellationToken);
            await ExecAsync(admin, "CREATE DATABASE completeness", cancellationToken);
        }

        var connectionString = cluster.DirectConnectionString("completeness");
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(cancellationToken);
        await LoadAsync(db, rows, bypassed, clock, cancellationToken);

        var lines = new List<string>
        {
            $"Completeness check of one captured table: {rows:N0} rows ({rows / BatchRows:N0} audited insert transactions, {rows / 10:N0} rows updated through capture, {bypassed:N0} updated with session_replication_role = replica).",
            $"PostgreSQL {await ScalarAsync(db, "SHOW server_version", cancellationToken)}, {Environment.ProcessorCount} cores, shared_buffers {await ScalarAsync(db, "SHOW shared_buffers", cancellationToken)}, table {await ScalarAsync(db, "SELECT pg_size_pretty(pg_total_relation_size('public.items'))", cancellationToken)}, its changes {await ScalarAsync(db, "SELECT pg_size_pretty(pg_total_relation_size('threadline.changes'))", cancellationToken)}.",
            "",
            "| Run | work_mem | Wall time | Rows/s | Unaudited found | Client peak RSS | Server backend peak RSS | Server temp files |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        };
        foreach (var (run, freeze) in new[] { ("warm", false), ("after VACUUM FREEZE", true) })
        {
            if (freeze)
            {
                await ExecAsync(db, "VACUUM (FREEZE, ANALYZE) public.items", cancellationToken);
            }

            foreach (var workMem in new[] { "4MB", "64MB" })
            {
                lines.Add(await MeasureAsync(connectionString, run, workMem, rows, bypassed, clock, cancellationToken));
            }
        }

        Console.WriteLine();
        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("Stopping the cluster...");
        return 0;
    }

    private static async Task LoadAsync(NpgsqlConnection db, int rows, int bypassed, Stopwatch clock, CancellationToken cancellationToken)
    {
        await new SchemaInstaller().InstallAsync(db, cancellationToken);
        await ExecAsync(db, "CREATE TABLE public.items (id bigint PRIMARY KEY, account int NOT NULL, title text NOT NULL, amount numeric(12,2) NOT NULL, updated_at timestamptz NOT NULL)", cancellationToken);
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("items"), cancellationToken);
        var context = new AuditContext(ActorRef.User("bench"));
        for (var start = 1; start <= rows; start += BatchRows)
        {
            await AuditedAsync(db, context, $"INSERT INTO public.items SELECT g, g % 1000, 'item ' || g, g % 10000 / 100.0, now() FROM generate_series({start}, {start + BatchRows - 1}) g", cancellationToken);
        }

        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Loaded {rows:N0} rows through capture.");
        for (var start = 1; start <= rows / 10; start += BatchRows)
        {
            await AuditedAsync(db, context, $"UPDATE public.items SET amount = amount + 1, updated_at = now() WHERE id BETWEEN {start} AND {start + BatchRows - 1}", cancellationToken);
        }

        // Spread over the table, so an early stop of the sample query saves nothing.
        var step = rows / bypassed;
        await using (var transaction = await db.BeginTransactionAsync(cancellationToken))
        {
            await ExecAsync(db, "SET LOCAL session_replication_role = replica", cancellationToken, transaction);
            await ExecAsync(db, $"UPDATE public.items SET title = 'bypassed' WHERE id % {step} = 0 AND id <= {(long)step * bypassed}", cancellationToken, transaction);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var table in new[] { "public.items", "threadline.changes", "threadline.transactions" })
        {
            // One statement per command: VACUUM refuses to run in a batch.
            await ExecAsync(db, $"VACUUM ANALYZE {table}", cancellationToken);
        }

        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Updated {rows / 10:N0} rows through capture and {bypassed:N0} past it; vacuumed.");
    }

    private static async Task<string> MeasureAsync(string connectionString, string run, string workMem, int rows, int bypassed, Stopwatch clock, CancellationToken cancellationToken)
    {
        await using var db = new NpgsqlConnection(connectionString + $";Options=-c work_mem={workMem}");
        await db.OpenAsync(cancellationToken);
        var backend = int.Parse(await ScalarAsync(db, "SELECT pg_backend_pid()", cancellationToken), CultureInfo.InvariantCulture);
        var tempBefore = long.Parse(await ScalarAsync(db, "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()", cancellationToken), CultureInfo.InvariantCulture);
        var elapsed = Stopwatch.StartNew();
        var report = await new CompletenessChecker().CheckAsync(db, new CompletenessOptions { SampleSize = 10 }, cancellationToken);
        elapsed.Stop();
        var serverPeak = PeakKilobytes(backend);
        // pg_stat_database is updated when the backend reports its statistics: wait for it.
        await Task.Delay(TimeSpan.FromMilliseconds(800), cancellationToken);
        await ExecAsync(db, "SELECT pg_stat_clear_snapshot()", cancellationToken);
        var tempAfter = long.Parse(await ScalarAsync(db, "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()", cancellationToken), CultureInfo.InvariantCulture);
        var table = report.Tables.Single();
        if (table.RowsChecked != rows || table.Unaudited != bypassed)
        {
            throw new InvalidOperationException($"The check counted {table.RowsChecked:N0} rows and {table.Unaudited:N0} unaudited; expected {rows:N0} and {bypassed:N0}.");
        }

        var clientPeak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024);
        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {run}, work_mem {workMem}: {elapsed.Elapsed.TotalSeconds:F2} s, {table.Unaudited:N0} unaudited found.");
        return $"| {run} | {workMem} | {elapsed.Elapsed.TotalSeconds:F2} s | {rows / elapsed.Elapsed.TotalSeconds:N0} | {table.Unaudited:N0} | {clientPeak:N0} MB | {(serverPeak is { } kb ? $"{kb / 1024:N0} MB" : "n/a")} | {(tempAfter - tempBefore) / (1024 * 1024):N0} MB |";
    }

    /// <summary>VmHWM of the server backend (the benchmark runs on the same machine as its cluster).</summary>
    private static long? PeakKilobytes(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return null;
        }

        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static async Task AuditedAsync(NpgsqlConnection db, AuditContext context, string sql, CancellationToken cancellationToken)
    {
        await using var transaction = await db.BeginAuditedTransactionAsync(context, cancellationToken: cancellationToken);
        await ExecAsync(db, sql, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    private static int Argument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private static async Task ExecAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, db, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<string> ScalarAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture)!;
    }
}
