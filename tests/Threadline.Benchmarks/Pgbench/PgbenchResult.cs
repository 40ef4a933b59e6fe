namespace Threadline.Benchmarks.Pgbench;

/// <summary>What one pgbench run reports: throughput and the number of transactions it completed.</summary>
public sealed record PgbenchResult(double Tps, long Transactions);
