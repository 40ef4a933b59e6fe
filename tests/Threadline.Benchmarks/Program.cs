using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;
using Threadline.Benchmarks;
using Threadline.Benchmarks.Investigation;
using Threadline.Benchmarks.Pgbench;

// Figures are written for docs: one number format whatever the machine's locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop the scenarios and shut the platform down cleanly; a second one kills the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        Console.Error.WriteLine("Cancelling: stopping the platform...");
        cancellation.Cancel();
    }
};

// A run left in the background (nohup) is stopped with kill: clean up the same way as on Ctrl+C.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    Console.Error.WriteLine("SIGTERM: stopping the platform...");
    cancellation.Cancel();
});

var ct = cancellation.Token;
try
{
    // --seal starts its own cluster too: seal and verify cost over a synthetic history (default 1M changes).
    if (args.Contains("--seal"))
    {
        return await SealBenchmark.RunAsync(args, ct);
    }

    // --pgbench starts its own cluster and PgBouncer, not the AppHost.
    if (args.Contains("--pgbench"))
    {
        return await PgbenchMode.RunAsync(args, ct);
    }

    // --completeness also starts its own cluster: the check's cost on a 1-million-row captured table.
    if (args.Contains("--completeness"))
    {
        return await CompletenessBenchmark.RunAsync(args, ct);
    }

    // --investigation too: its own cluster, two loaded databases, the CLI and the admin service as child processes.
    if (args.Contains("--investigation"))
    {
        return await InvestigationMode.RunAsync(args, ct);
    }

    var settings = BenchmarkSettings.Parse(args);
    if (settings is null)
    {
        return 2;
    }

    var started = DateTimeOffset.UtcNow;
    var clock = Stopwatch.StartNew();
    Console.WriteLine($"Threadline {(settings.Purge ? "retention purge" : "capture overhead")} benchmark ({settings.Mode} mode). Starting the AppHost topology (PostgreSQL, PgBouncer, services)...");
    await using var platform = await BenchmarkPlatform.StartAsync(ct);
    Console.WriteLine($"Platform healthy after {clock.Elapsed.TotalSeconds:F0} s.");

    await using var direct = new NpgsqlConnection(platform.DirectConnectionString);
    await direct.OpenAsync(ct);
    var machine = await MachineInfo.CollectAsync(direct, ct);
    if (settings.Purge)
    {
        var purge = await new PurgeBenchmark(settings, platform.DirectConnectionString).RunAsync(machine, started, clock, ct);
        await WriteReportAsync(PurgeReport.Render(purge), settings, ct);
        Console.WriteLine("Stopping the platform...");
        return 0;
    }

    var variants = BenchVariant.For(settings);
    await BenchTables.ResetAsync(direct, variants, ct);
    Console.WriteLine($"Tables ready: {string.Join(", ", variants.Select(v => v.Table))}. PostgreSQL {machine.PostgresVersion}, {machine.Cores} cores.");
    Console.WriteLine("Each single-row transaction is ONE NpgsqlBatch (one round trip) in both cases; the audited batch prepends CALL threadline.set_context($1).");

    var paths = new[]
    {
        new BenchPath(BenchPath.DirectName, platform.DirectConnectionString),
        new BenchPath(BenchPath.PgBouncerName, platform.PooledConnectionString),
    };
    var comparisons = new List<Comparison>();
    // Bulk first, so no pooled server session has planned the capture trigger on one-row statements before a bulk
    // one (PlanCacheCheck measures that effect on its own). The vacuum in between gives the single-row phase clean
    // tables and fresh plans.
    var bulk = new BulkBenchmark(settings, variants);
    foreach (var (statement, repetitions) in new[] { (BulkStatement.Insert, settings.BulkInsertRepetitions), (BulkStatement.Update, settings.BulkUpdateRepetitions) })
    {
        foreach (var path in paths)
        {
            comparisons.Add(Report(await bulk.RunAsync(statement, repetitions, path, ct), clock));
        }
    }

    await BenchTables.VacuumAsync(direct, variants, ct);
    var singleRow = new SingleRowBenchmark(settings, platform.DirectConnectionString, variants);
    foreach (var operation in Enum.GetValues<SingleRowOperation>())
    {
        foreach (var path in paths)
        {
            comparisons.Add(Report(await singleRow.RunAsync(operation, path, ct), clock));
        }
    }

    Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Measuring audit storage per change...");
    var (storage, plainBytesPerRow) = await new StorageBenchmark(settings, variants).RunAsync(direct, ct);

    Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Checking the capture trigger's cached plan after a single-row update...");
    var planCache = await PlanCacheCheck.RunAsync(platform.DirectConnectionString, ct);

    await WriteReportAsync(MarkdownReport.Render(new BenchmarkRun(settings, machine, started, clock.Elapsed, comparisons, storage, plainBytesPerRow, planCache)), settings, ct);

    Console.WriteLine("Stopping the platform...");
    return comparisons.All(c => c.Passes) ? 0 : 1;
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}

static Comparison Report(Comparison comparison, Stopwatch clock)
{
    Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {comparison.Scenario} / {comparison.Path}: {comparison.Summary()}");
    return comparison;
}

static async Task WriteReportAsync(string markdown, BenchmarkSettings settings, CancellationToken ct)
{
    Console.WriteLine();
    Console.WriteLine(markdown);
    if (settings.OutputPath is { } output)
    {
        await File.WriteAllTextAsync(output, markdown, ct);
        Console.WriteLine($"Results written to {Path.GetFullPath(output)}.");
    }
}
