using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Operations.Integrity;
using Threadline.Schema;

namespace Threadline.Benchmarks;

/// <summary>
/// Seal and verify cost (issue 13): a private cluster (<see cref="LocalCluster"/>), the purge benchmark's synthetic
/// history loaded set-based (<see cref="PurgeDataset"/>, default 1,000,000 changes), then a first seal over all of
/// it, a clean verify, a verify after three tampered rows, and an incremental seal over 10,000 new changes. Each
/// phase runs on a fresh connection, so the server backend's peak resident memory (VmHWM) is that phase's.
/// </summary>
public static class SealBenchmark
{
    private const string Database = "seal_bench";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var changes = 1_000_000;
        var at = Array.IndexOf(args, "--changes");
        if (at >= 0 && (at + 1 >= args.Length || !int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out changes) || changes < 1_000))
        {
            Console.Error.WriteLine("--changes needs a whole number of at least 1000, e.g. --changes 1000000.");
            return 2;
        }

        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {message}");
        Console.WriteLine($"Threadline seal/verify benchmark: {changes:N0} changes. Starting a private PostgreSQL cluster...");
        await using var cluster = await LocalCluster.StartAsync(Log, cancellationToken);
        await using (var admin = new NpgsqlConnection(cluster.DirectConnectionString("postgres")))
        {
            await admin.OpenAsync(cancellationToken);
            await BenchTables.ExecuteAsync(admin, $"CREATE DATABASE {Database}", cancellationToken);
        }

        var connectionString = cluster.DirectConnectionString(Database);
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync(cancellationToken);
            await new SchemaInstaller().InstallAsync(db, cancellationToken: cancellationToken);
            var dataset = new PurgeDataset(changes, DateTimeOffset.UtcNow);
            await dataset.LoadAsync(db, Log, cancellationToken);
            // The dataset's txids are numbers this fresh cluster has not issued yet (verify would call them forged):
            // give them the loader's real one, as one bulk import would have.
            await BenchTables.ExecuteAsync(db, "UPDATE threadline.transactions SET txid = pg_current_xact_id()", cancellationToken);
            await BenchTables.ExecuteAsync(db, "VACUUM (FULL, ANALYZE) threadline.transactions", cancellationToken);
            await BenchTables.ExecuteAsync(db, "VACUUM (ANALYZE) threadline.changes", cancellationToken);
            Log($"Loaded {dataset.TotalChanges:N0} changes in {dataset.TotalTransactions:N0} transactions; changes take {await SizeAsync(db, "threadline.changes", cancellationToken)}.");
        }

        var rows = new List<string>();
        var first = await PhaseAsync(connectionString, "first seal (all rows)", async db => Describe(await new AuditSealer().SealAsync(db, cancellationToken: cancellationToken)), cancellationToken);
        rows.Add(first);
        rows.Add(await PhaseAsync(connectionString, "verify, clean", async db => Describe(await new IntegrityVerifier().VerifyAsync(db, cancellationToken: cancellationToken)), cancellationToken));
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync(cancellationToken);
            await BenchTables.ExecuteAsync(db, $$"""
                UPDATE threadline.changes SET data_after = '{}' WHERE id = 1000;
                DELETE FROM threadline.changes WHERE id = {{changes / 2}};
                INSERT INTO threadline.changes (transaction_id, table_schema, table_name, op, row_key, captured_at) VALUES (7, 'public', 'orders', 'delete', '{"id": 1}', now());
                """, cancellationToken);
        }

        rows.Add(await PhaseAsync(connectionString, "verify, 3 rows tampered", async db => Describe(await new IntegrityVerifier().VerifyAsync(db, cancellationToken: cancellationToken)), cancellationToken));
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync(cancellationToken);
            await BenchTables.ExecuteAsync(db, """
                WITH t AS (INSERT INTO threadline.transactions (txid, started_at, first_change_at, actor_type, actor_id)
                           SELECT pg_current_xact_id(), now() + g * interval '1 microsecond', now(), 'user', 'late-' || g FROM generate_series(1, 1000) g RETURNING id)
                INSERT INTO threadline.changes (transaction_id, table_schema, table_name, op, row_key, data_after, captured_at)
                SELECT t.id, 'public', 'orders', 'insert', jsonb_build_object('id', k), jsonb_build_object('id', k, 'status', 'new'), now() FROM t, generate_series(1, 10) k;
                """, cancellationToken);
        }

        rows.Add(await PhaseAsync(connectionString, "incremental seal (+10,000 changes)", async db => Describe(await new AuditSealer().SealAsync(db, cancellationToken: cancellationToken)), cancellationToken));
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync(cancellationToken);
            Log($"Seal storage: seal_blocks {await SizeAsync(db, "threadline.seal_blocks", cancellationToken)} for {await ScalarAsync(db, "SELECT sum(row_count) FROM threadline.seal_blocks", cancellationToken)} sealed rows.");
        }

        Console.WriteLine();
        Console.WriteLine($"| Phase | Wall time | Server backend peak RSS (VmHWM) | Temp files written | Result |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        Console.WriteLine();
        Console.WriteLine($"Client process peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB. PostgreSQL: shared_buffers 256MB, work_mem default; {Environment.ProcessorCount} cores.");
        return 0;
    }

    private static async Task<string> PhaseAsync(string connectionString, string name, Func<NpgsqlConnection, Task<string>> body, CancellationToken cancellationToken)
    {
        var tempBefore = await TempBytesAsync(connectionString, cancellationToken);
        string result;
        TimeSpan elapsed;
        long peak;
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync(cancellationToken);
            var pid = (int)(await ScalarAsync(db, "SELECT pg_backend_pid()", cancellationToken))!;
            var watch = Stopwatch.StartNew();
            result = await body(db);
            elapsed = watch.Elapsed;
            peak = PeakResidentKiB(pid);
        }

        // The closed backend has flushed its statistics by now.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
        var temp = await TempBytesAsync(connectionString, cancellationToken) - tempBefore;
        var line = $"| {name} | {elapsed.TotalSeconds:F1} s | {peak / 1024} MiB | {temp / (1024 * 1024)} MiB | {result} |";
        Console.WriteLine("  " + line);
        return line;
    }

    private static async Task<long> TempBytesAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync(cancellationToken);
        return (long)(await ScalarAsync(db, "SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()", cancellationToken))!;
    }

    private static string Describe(AuditSeal? seal) =>
        seal is null ? "no seal" : $"seal {seal.Id}: {seal.Transactions:N0} transactions, {seal.Changes:N0} changes";

    private static string Describe(IntegrityReport report) =>
        $"{(report.Intact ? "intact" : "NOT intact")}: {report.RowsVerified:N0} rows verified, {report.Findings.Count} findings ({string.Join(", ", report.Findings.Take(5).Select(f => $"{f.Problem} {f.Kind} {f.Id}"))})";

    /// <summary>The backend's peak resident set (includes the shared buffers it touched), from /proc.</summary>
    private static long PeakResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static async Task<string> SizeAsync(NpgsqlConnection db, string table, CancellationToken cancellationToken) =>
        (string)(await ScalarAsync(db, $"SELECT pg_size_pretty(pg_total_relation_size('{table}'))", cancellationToken))!;

    private static async Task<object?> ScalarAsync(NpgsqlConnection db, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, db) { CommandTimeout = 0 };
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
