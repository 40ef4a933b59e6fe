namespace Threadline.Benchmarks.Investigation;

/// <summary>A scenario's latency on each side, the mean rows each call returned, and the plans captured where it missed.</summary>
public sealed record LatencyResult(string Scenario, LatencyStats Before, LatencyStats After, double MeanRows)
{
    public string? AfterPlan { get; init; }

    public string? BeforePlan { get; init; }
}
