using Threadline.Query;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// One measured lookup: <see cref="Next"/> draws random parameters and returns the call to time, which runs against
/// each database with the same parameters and returns how many rows (or entries) it read.
/// </summary>
public sealed record LatencyScenario(string Name, Func<Random, Func<AuditReader, CancellationToken, Task<int>>> Next);
