using System.Diagnostics;
using Npgsql;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// <c>--pgbench</c>: capture cost measured by pgbench on a private cluster (no AppHost), so a figure depends only on
/// the capture design, PostgreSQL and the machine, and not on the platform's services.
/// </summary>
public static class PgbenchMode
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var settings = PgbenchSettings.Parse(args);
        if (settings is null)
        {
            return 2;
        }

        if (settings.InstallVariant is { } install)
        {
            var variant = PgbenchVariants.Select([install]).Single();
            await using var connection = await Sql.OpenAsync(settings.InstallDatabase ?? throw new ArgumentException("--install needs --database."), cancellationToken);
            await Sql.ExecuteAsync(connection, $"DO $t$ BEGIN IF to_regclass('{ItemsTable.Name}') IS NULL THEN {ItemsTable.CreateTableSql} END IF; END $t$", cancellationToken);
            await variant.SetupAsync(connection, cancellationToken);
            Console.WriteLine($"Variant {variant.Name} installed.");
            return 0;
        }

        var variants = PgbenchVariants.Select(settings.Variants);
        var workloads = PgbenchWorkload.Select(settings.Workloads);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Threadline pgbench capture-cost benchmark ({settings.Mode} mode). Starting a private PostgreSQL cluster and PgBouncer...");
        await using var cluster = await LocalCluster.StartAsync(message => Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] {message}"), cancellationToken);
        var machine = await PgbenchMachine.CollectAsync(cluster, cancellationToken);
        await ItemsTable.CreateTemplateAsync(cluster, cancellationToken);
        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Template {ItemsTable.TemplateDatabase} ready ({ItemsTable.SeedRows:N0} rows). PostgreSQL {machine.PostgresVersion}, {machine.Cores} cores.");

        if (settings.FreezeCapturePath is { } freezePath)
        {
            await FrozenCaptureExporter.ExportAsync(cluster, freezePath, cancellationToken);
            return 0;
        }

        var databases = new List<VariantDatabase>();
        foreach (var variant in variants)
        {
            databases.Add(new VariantDatabase(variant, await ItemsTable.CreateVariantDatabaseAsync(cluster, variant, "v_", cancellationToken)));
        }

        await CheckCaptureAsync(cluster, databases, cancellationToken);
        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Variants ready: {string.Join(", ", variants.Select(v => v.Name))}.");

        var scripts = Directory.CreateTempSubdirectory("tlpgb-scripts-");
        IReadOnlyList<ThroughputSample> samples;
        var throughputClock = Stopwatch.StartNew();
        try
        {
            var runner = new PgbenchRunner(cluster, settings, scripts.FullName);
            samples = await new ThroughputBenchmark(cluster, settings, runner, databases, clock).RunAsync(workloads, cancellationToken);
        }
        finally
        {
            scripts.Delete(recursive: true);
        }

        var throughputElapsed = throughputClock.Elapsed;
        // Their autovacuum would write WAL during the bytes phase, and they take disk space the bytes phase does not need.
        foreach (var database in databases)
        {
            await ItemsTable.DropDatabaseAsync(cluster, database.Database, cancellationToken);
        }

        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] Measuring audit bytes and WAL per change...");
        var bytes = await new AuditBytesBenchmark(cluster, clock).RunAsync(variants, cancellationToken);

        var run = new PgbenchRun(settings, machine, started, clock.Elapsed, throughputElapsed, PgbenchMachine.LoadAverage(), variants, workloads, samples, bytes);
        var markdown = PgbenchReport.Render(run);
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

    /// <summary>Fails early if an audited variant records nothing: one real update, rolled back, must add audit rows.</summary>
    private static async Task CheckCaptureAsync(LocalCluster cluster, IReadOnlyList<VariantDatabase> databases, CancellationToken cancellationToken)
    {
        foreach (var (variant, database) in databases.Where(d => d.Variant.Audit is not null))
        {
            await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString(database), cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Sql.ExecuteAsync(connection, ItemsTable.SetContextSql, cancellationToken, transaction);
            await Sql.ExecuteAsync(connection, "UPDATE items SET qty = qty + 1 WHERE id = 1", cancellationToken, transaction);
            var checks = variant.Audit == AuditStore.ThreadlineSchema
                // The capture must attribute the pgbench context, or the run would measure the unattributed path.
                ? [variant.Audit.RowsSql, "SELECT count(*) FROM threadline.transactions WHERE actor_id = '42'"]
                : new[] { variant.Audit!.RowsSql };
            foreach (var check in checks)
            {
                await using var count = new NpgsqlCommand(check, connection, transaction);
                if ((long)(await count.ExecuteScalarAsync(cancellationToken))! == 0)
                {
                    throw new InvalidOperationException($"Variant {variant.Name} recorded nothing for an update: {check} returned 0.");
                }
            }

            await transaction.RollbackAsync(cancellationToken);
        }
    }
}
