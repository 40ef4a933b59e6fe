using System.Diagnostics;
using Threadline.Benchmarks.Pgbench;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// <c>--investigation</c>: read-side latency and export throughput on millions of changes, on a private cluster, with
/// this build's schema with and without the actor on change rows side by side, each loaded with the same synthetic history.
/// </summary>
public static class InvestigationMode
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var settings = InvestigationSettings.Parse(args);
        if (settings is null)
        {
            return 2;
        }

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {message}");
        Console.WriteLine($"Threadline investigation and export benchmark ({settings.Mode} mode). Starting a private PostgreSQL cluster...");
        await using var cluster = await LocalCluster.StartAsync(InvestigationCluster.Options, Log, cancellationToken);
        var machine = await PgbenchMachine.CollectAsync(cluster, cancellationToken);
        // The history ends at today's midnight (UTC): whole days, the same for both databases.
        var dataset = new InvestigationDataset(settings.Changes, settings.Rows, new DateTimeOffset(started.UtcDateTime.Date, TimeSpan.Zero));
        Log($"Dataset: {dataset.TotalChanges:N0} changes, {dataset.TotalTransactions:N0} transactions, {dataset.Rows:N0} rows, {dataset.Start:yyyy-MM-dd} to {dataset.End:yyyy-MM-dd}.");

        var loads = new List<InvestigationLoad>();
        foreach (var schema in InvestigationSchema.Both)
        {
            loads.Add(await CreateAndLoadAsync(cluster, schema, dataset, Log, cancellationToken));
        }

        await InvestigationCluster.CreateReaderRoleAsync(cluster, cancellationToken);
        Log($"Measuring {InvestigationScenarios.For(dataset).Count} lookups, {settings.Samples} samples each per database...");
        var latencies = await new LatencyBenchmark(cluster, settings, Log).RunAsync(InvestigationScenarios.For(dataset), cancellationToken);
        Log($"Exporting {settings.ExportRows:N0} rows per export...");
        var exportBenchmark = new ExportBenchmark(cluster, settings, Log);
        var exports = await exportBenchmark.RunAsync(cancellationToken);
        var exportPlans = await exportBenchmark.CapturePlansAsync(cancellationToken);

        var run = new InvestigationRun(settings, machine, dataset, started, clock.Elapsed, PgbenchMachine.LoadAverage(), loads, latencies, exports, exportPlans);
        var markdown = InvestigationReport.Render(run);
        Console.WriteLine();
        Console.WriteLine(markdown);
        if (settings.OutputPath is { } output)
        {
            await File.WriteAllTextAsync(output, markdown, cancellationToken);
            Console.WriteLine($"Results written to {Path.GetFullPath(output)}.");
        }

        Console.WriteLine("Stopping the cluster...");
        return 0;
    }

    private static async Task<InvestigationLoad> CreateAndLoadAsync(LocalCluster cluster, InvestigationSchema schema, InvestigationDataset dataset, Action<string> log, CancellationToken cancellationToken)
    {
        await using (var admin = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken))
        {
            await Sql.ExecuteAsync(admin, $"CREATE DATABASE {schema.Database}", cancellationToken);
        }

        await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString(schema.Database), cancellationToken);
        await schema.InstallAsync(connection, cancellationToken);
        log($"{schema.Database}: {schema.Description} installed; loading...");
        var load = Stopwatch.StartNew();
        await dataset.LoadAsync(connection, schema.CopiesActor, message => log($"{schema.Database}: {message}"), cancellationToken);
        var loaded = load.Elapsed;
        var vacuum = Stopwatch.StartNew();
        await Sql.ExecuteAsync(connection, "VACUUM (ANALYZE) threadline.transactions, threadline.changes", cancellationToken);
        var vacuumed = vacuum.Elapsed;
        var changes = await Sql.ScalarAsync<long>(connection, "SELECT pg_total_relation_size('threadline.changes')", cancellationToken);
        var transactions = await Sql.ScalarAsync<long>(connection, "SELECT pg_total_relation_size('threadline.transactions')", cancellationToken);
        log($"{schema.Database}: loaded in {loaded.TotalSeconds:F0} s, VACUUM (ANALYZE) {vacuumed.TotalSeconds:F0} s; changes {changes / 1048576:N0} MiB, transactions {transactions / 1048576:N0} MiB.");
        return new InvestigationLoad(schema, loaded, vacuumed, changes, transactions);
    }
}
