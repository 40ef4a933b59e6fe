namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// One variant on one workload and path: its median tps, and the paired ratios baseline_tps / variant_tps of each
/// repetition (both measured within minutes of each other, so machine drift mostly cancels). Ratio 2.0 = half the tps.
/// </summary>
public sealed record ThroughputSummary(string Workload, string Path, string Variant, double MedianTps, IReadOnlyList<double> Ratios)
{
    public double? MinRatio => Ratios.Count > 0 ? Ratios.Min() : null;

    public double? MedianRatio => Ratios.Count > 0 ? Median(Ratios) : null;

    public double? MaxRatio => Ratios.Count > 0 ? Ratios.Max() : null;

    public static IReadOnlyList<ThroughputSummary> From(IReadOnlyList<ThroughputSample> samples) =>
        samples.GroupBy(s => (s.Workload, s.Path, s.Variant))
            .Select(g =>
            {
                var ratios = g.Select(s => samples.SingleOrDefault(b =>
                        b.Workload == s.Workload && b.Path == s.Path && b.Repetition == s.Repetition && b.Variant == PgbenchVariant.BaselineName) is { } baseline
                        ? baseline.Tps / s.Tps
                        : (double?)null)
                    .OfType<double>()
                    .ToList();
                return new ThroughputSummary(g.Key.Workload, g.Key.Path, g.Key.Variant, Median(g.Select(s => s.Tps).ToList()), ratios);
            })
            .ToList();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
