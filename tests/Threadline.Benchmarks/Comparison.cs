namespace Threadline.Benchmarks;

/// <summary>How a scenario's cost is shown: throughput of many small transactions, or the time of one big statement.</summary>
public enum MetricKind
{
    Throughput,
    Duration,
}

/// <summary>One variant's figures in a scenario: median cost over the rounds and its paired ratios to the baseline.</summary>
public sealed record VariantResult(BenchVariant Variant, double MedianSecondsPerOp, double MedianRatio, double MinRatio, double MaxRatio)
{
    public string FormatValue(MetricKind kind) => kind == MetricKind.Throughput
        ? $"{1 / MedianSecondsPerOp:N0} tx/s"
        : $"{MedianSecondsPerOp * 1000:N1} ms";
}

/// <summary>A scenario measured side by side for every variant on one path.</summary>
public sealed record Comparison(string Scenario, string Path, MetricKind Kind, double Target, IReadOnlyList<VariantResult> Results)
{
    public VariantResult this[BenchVariant variant] => Results.Single(r => r.Variant == variant);

    public bool Passes => this[BenchVariant.Audited].MedianRatio <= Target;

    /// <summary>
    /// Builds the comparison from per-round costs (seconds per operation). Each round's ratio divides by the baseline
    /// of the same round, so noise that hits a whole round cancels out; the reported ratio is the median of those.
    /// </summary>
    public static Comparison From(string scenario, string path, MetricKind kind, double target, IReadOnlyDictionary<BenchVariant, List<double>> costs)
    {
        var baseline = costs[BenchVariant.Unaudited];
        var results = costs.Select(pair =>
        {
            var ratios = pair.Value.Zip(baseline, (cost, baseCost) => cost / baseCost).ToList();
            return new VariantResult(pair.Key, Stats.Median(pair.Value), Stats.Median(ratios), ratios.Min(), ratios.Max());
        }).ToList();
        return new Comparison(scenario, path, kind, target, results);
    }

    public string Summary() => string.Join(", ", Results.Select(r =>
        r.Variant == BenchVariant.Unaudited
            ? $"{r.Variant.Key} {r.FormatValue(Kind)}"
            : $"{r.Variant.Key} {r.FormatValue(Kind)} ({r.MedianRatio:F2}×)"));
}

public static class Stats
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
