using Npgsql;

namespace Threadline.Benchmarks;

/// <summary>The same bulk update timed in a fresh session and in a session that first ran a single-row update.</summary>
public sealed record PlanCacheResult(int Rows, double FreshSessionSeconds, double AfterSingleRowSeconds)
{
    public double Ratio => AfterSingleRowSeconds / FreshSessionSeconds;
}

/// <summary>
/// PL/pgSQL caches the capture function's query plans per session. The UPDATE branch pairs the transition tables
/// with a join; if the session first planned it for a one-row statement, the cached plan (a nested loop that
/// rescans a window aggregate) turns a later bulk update quadratic. Pooled server sessions (PgBouncer, or any pool
/// without DISCARD ALL) live long enough to hit this, so the benchmark measures it explicitly, on fresh unpooled
/// direct sessions, with a small enough bulk size to stay cheap when the problem is present.
/// </summary>
public static class PlanCacheCheck
{
    private const int Rows = 1_000;
    private const int Repetitions = 2;

    public static async Task<PlanCacheResult> RunAsync(string directConnectionString, CancellationToken cancellationToken)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(directConnectionString) { Pooling = false }.ConnectionString;
        var fresh = new List<double>();
        var afterSingleRow = new List<double>();
        for (var i = 0; i < Repetitions; i++)
        {
            fresh.Add(await TimeBulkUpdateAsync(unpooled, singleRowFirst: false, cancellationToken));
            afterSingleRow.Add(await TimeBulkUpdateAsync(unpooled, singleRowFirst: true, cancellationToken));
        }

        return new PlanCacheResult(Rows, Stats.Median(fresh), Stats.Median(afterSingleRow));
    }

    private static async Task<double> TimeBulkUpdateAsync(string connectionString, bool singleRowFirst, CancellationToken cancellationToken)
    {
        await using var session = new NpgsqlConnection(connectionString);
        await session.OpenAsync(cancellationToken);
        if (singleRowFirst)
        {
            await BulkBenchmark.ExecuteAsync(session, BulkStatement.UpdateFirst(1), BenchVariant.Audited, 0, cancellationToken);
        }

        return await BulkBenchmark.ExecuteAsync(session, BulkStatement.UpdateFirst(Rows), BenchVariant.Audited, 1, cancellationToken);
    }
}
