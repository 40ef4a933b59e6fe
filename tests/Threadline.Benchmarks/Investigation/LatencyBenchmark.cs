using System.Diagnostics;
using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Query;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// Times each scenario on both databases with the same random parameters, sample by sample, alternating which side
/// goes first so neither gets the other's warm cache on the same call more often. Each side reads through its own
/// pooled data source as the reader role, so the figures are the query's round trip and not a connection's set-up.
/// Where the current schema misses the target, one more call with auto_explain records the plans.
/// </summary>
public sealed class LatencyBenchmark(LocalCluster cluster, InvestigationSettings settings, Action<string> log)
{
    public const double TargetMilliseconds = 10;
    private const int Seed = 20261130;
    private const int MinSamples = 20;

    public async Task<IReadOnlyList<LatencyResult>> RunAsync(IReadOnlyList<LatencyScenario> scenarios, CancellationToken cancellationToken)
    {
        await using var before = CreateDataSource(InvestigationSchema.Before.Database);
        await using var after = CreateDataSource(InvestigationSchema.After.Database);
        var readers = new[] { new AuditReader(before), new AuditReader(after) };
        var results = new List<LatencyResult>();
        foreach (var scenario in scenarios)
        {
            var random = new Random(Seed);
            for (var i = 0; i < settings.WarmupSamples; i++)
            {
                var call = scenario.Next(random);
                foreach (var reader in readers)
                {
                    await call(reader, cancellationToken);
                }
            }

            var timings = new[] { new List<double>(), new List<double>() };
            long rows = 0;
            var budget = Stopwatch.StartNew();
            // A slow lookup on a busy machine stops at the time budget, with at least MinSamples calls; the report gives the count.
            for (var i = 0; i < settings.Samples && (i < MinSamples || budget.Elapsed < settings.ScenarioBudget); i++)
            {
                var call = scenario.Next(random);
                for (var k = 0; k < 2; k++)
                {
                    var side = (i + k) % 2;
                    var stopwatch = Stopwatch.StartNew();
                    var read = await call(readers[side], cancellationToken);
                    timings[side].Add(stopwatch.Elapsed.TotalMilliseconds);
                    rows += side == 1 ? read : 0;
                }
            }

            var result = new LatencyResult(scenario.Name, LatencyStats.FromMilliseconds(timings[0]), LatencyStats.FromMilliseconds(timings[1]), rows / (double)timings[1].Count);
            if (result.After.P95 > TargetMilliseconds)
            {
                result = result with { AfterPlan = await ExplainAsync(InvestigationSchema.After.Database, scenario, cancellationToken) };
            }

            if (result.Before.P95 > TargetMilliseconds)
            {
                result = result with { BeforePlan = await ExplainAsync(InvestigationSchema.Before.Database, scenario, cancellationToken) };
            }

            log($"{scenario.Name}: before p50 {result.Before.P50:F2} / p95 {result.Before.P95:F2} ms, current p50 {result.After.P50:F2} / p95 {result.After.P95:F2} ms, {result.MeanRows:F1} rows");
            results.Add(result);
        }

        return results;
    }

    private NpgsqlDataSource CreateDataSource(string database, bool explain = false) =>
        NpgsqlDataSource.Create(explain ? InvestigationCluster.ExplainConnectionString(cluster, database) : InvestigationCluster.ReaderConnectionString(cluster, database));

    /// <summary>The first sample's call again (the same parameters as in the measurement), warm, then once more with auto_explain; returns what it logged.</summary>
    private async Task<string> ExplainAsync(string database, LatencyScenario scenario, CancellationToken cancellationToken)
    {
        var call = scenario.Next(new Random(Seed + 1));
        await using (var warm = CreateDataSource(database))
        {
            await call(new AuditReader(warm), cancellationToken);
        }

        await using var dataSource = CreateDataSource(database, explain: true);
        return await InvestigationCluster.CapturePlansAsync(cluster, () => call(new AuditReader(dataSource), cancellationToken), cancellationToken);
    }
}
