using System.Diagnostics;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// The pgbench phase. Per repetition, every workload/path runs every variant back to back, in an order that rotates
/// from one repetition to the next, so slow drift on a shared machine does not always favour the same variant.
/// </summary>
public sealed class ThroughputBenchmark(
    LocalCluster cluster,
    PgbenchSettings settings,
    PgbenchRunner runner,
    IReadOnlyList<VariantDatabase> databases,
    Stopwatch clock)
{
    public async Task<IReadOnlyList<ThroughputSample>> RunAsync(IReadOnlyList<PgbenchWorkload> workloads, CancellationToken cancellationToken)
    {
        var samples = new List<ThroughputSample>();
        for (var repetition = 0; repetition < settings.Repetitions; repetition++)
        {
            var shift = repetition % databases.Count;
            var order = databases.Skip(shift).Concat(databases.Take(shift)).ToList();
            foreach (var workload in workloads)
            {
                foreach (var path in workload.Paths)
                {
                    foreach (var (variant, database) in order)
                    {
                        if (settings.WarmupSeconds > 0)
                        {
                            await runner.RunAsync(workload, path, database, settings.WarmupSeconds, cancellationToken);
                        }

                        // Each measured run starts without the previous run's dirty buffers to write back.
                        await CheckpointAsync(cancellationToken);
                        var tps = await runner.RunAsync(workload, path, database, settings.MeasureSeconds, cancellationToken);
                        samples.Add(new ThroughputSample(workload.Name, path, variant.Name, repetition, tps));
                        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] rep {repetition + 1}/{settings.Repetitions} {workload.Name,-11} {path,-9} {variant.Name,-16} {tps,10:F1} tps");
                    }
                }
            }
        }

        return samples;
    }

    private async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Sql.OpenAsync(cluster.DirectConnectionString("postgres"), cancellationToken);
        await Sql.ExecuteAsync(connection, "CHECKPOINT", cancellationToken);
    }
}
