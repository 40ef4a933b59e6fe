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
                        var cpuBefore = ServerCpu.Seconds(cluster.PostmasterPid);
                        var result = await runner.RunAsync(workload, path, database, settings.MeasureSeconds, cancellationToken);
                        // pgbench's backends have exited; give the postmaster a moment to reap them into its children's CPU.
                        await Task.Delay(200, cancellationToken);
                        var cpuMicros = (ServerCpu.Seconds(cluster.PostmasterPid) - cpuBefore) * 1e6 / Math.Max(1, result.Transactions);
                        samples.Add(new ThroughputSample(workload.Name, path, variant.Name, repetition, result.Tps, cpuMicros));
                        Console.WriteLine($"  [{clock.Elapsed:mm\\:ss}] rep {repetition + 1}/{settings.Repetitions} {workload.Name,-11} {path,-9} {variant.Name,-16} {result.Tps,10:F1} tps {cpuMicros,9:F0} us CPU/tx");
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
