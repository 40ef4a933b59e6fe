using Threadline.Benchmarks.Pgbench;

namespace Threadline.Benchmarks.Investigation;

/// <summary>Everything the investigation report shows.</summary>
public sealed record InvestigationRun(
    InvestigationSettings Settings,
    PgbenchMachine Machine,
    InvestigationDataset Dataset,
    DateTimeOffset Started,
    TimeSpan Elapsed,
    string LoadAtEnd,
    IReadOnlyList<InvestigationLoad> Loads,
    IReadOnlyList<LatencyResult> Latencies,
    IReadOnlyList<(InvestigationSchema Schema, ExportResult Result)> Exports,
    string ExportPlans);
