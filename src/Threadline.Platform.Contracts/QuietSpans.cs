namespace Threadline.Platform;

/// <summary>
/// Spans of periodic work that the service defaults' sampler drops when they start a trace, with everything under
/// them: idle polling must not bury the traces of real requests. Failures stay visible (see each entry).
/// </summary>
public static class QuietSpans
{
    /// <summary>posts-api's outbox sweep, every 2 s; a failed sweep has a root span of its own and a warning log.</summary>
    public const string OutboxSweep = "outbox sweep";

    /// <summary>
    /// Threadline's coverage check, run by the coverage health check (at most every 30 s). A failure shows as the
    /// service's unhealthy state, the health check's error log and <c>threadline.verification.runs</c> with
    /// <c>outcome = failed</c>.
    /// </summary>
    public const string CoverageCheck = "threadline.verify.coverage";

    public static readonly IReadOnlyList<string> All = [OutboxSweep, CoverageCheck];
}
