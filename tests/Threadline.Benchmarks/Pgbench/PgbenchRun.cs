namespace Threadline.Benchmarks.Pgbench;

/// <summary>Everything one <c>--pgbench</c> run produced.</summary>
public sealed record PgbenchRun(
    PgbenchSettings Settings,
    PgbenchMachine Machine,
    DateTimeOffset StartedAt,
    TimeSpan Elapsed,
    TimeSpan ThroughputElapsed,
    string LoadAtEnd,
    IReadOnlyList<PgbenchVariant> Variants,
    IReadOnlyList<PgbenchWorkload> Workloads,
    IReadOnlyList<ThroughputSample> Samples,
    IReadOnlyList<AuditBytesResult> Bytes);
