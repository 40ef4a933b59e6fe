namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// One variant on one workload and path: its median tps, and the paired ratios baseline_tps / variant_tps of each
/// repetition (both measured within minutes of each other, so machine drift mostly cancels). Ratio 2.0 = half the tps.
/// The CPU ratios pair the server CPU per transaction the same way (variant ÷ baseline).
/// </summary>
public sealed record ThroughputSummary(
    string Workload, string Path, string Variant, double MedianTps, IReadOnlyList<double> Ratios, double MedianCpuMicros, IReadOnlyList<double> CpuRatios)
{
    public double? MedianCpuRatio => CpuRatios.Count > 0 ? Median(CpuRatios) : null;

    public double? MinCpuRatio => CpuRatios.Count > 0 ? CpuRatios.Min() : null;

    public double? MaxCpuRatio => CpuRatios.Count > 0 ? CpuRatios.Max() : null;

    public double? MinRatio => Ratios.Count > 0 ? Ratios.Min() : null;

    public double? MedianRatio => Ratios.Count > 0 ? Median(Ratios) : null;

    public double? MaxRatio => Ratios.Count > 0 ? Ratios.Max() : null;

    public static IReadOnlyList<ThroughputSummary> From(IReadOnlyList<ThroughputSample> samples) =>
        samples.GroupBy(s => (s.Workload, s.Path, s.Variant))
            .Select(g =>
            {
                ThroughputSample? BaselineOf(ThroughputSample s) => samples.SingleOrDefault(b =>
                    b.Workload == s.Workload && b.Path == s.Path && b.Repetition == s.Repetition && b.Variant == PgbenchVariant.BaselineName);
                var ratios = g.Select(s => BaselineOf(s) is { } baseline ? baseline.Tps / s.Tps : (double?)null).OfType<double>().ToList();
                var cpuRatios = g.Select(s => BaselineOf(s) is { } baseline ? s.ServerCpuMicrosPerTransaction / baseline.ServerCpuMicrosPerTransaction : (double?)null)
                    .OfType<double>().ToList();
                return new ThroughputSummary(g.Key.Workload, g.Key.Path, g.Key.Variant, Median(g.Select(s => s.Tps).ToList()), ratios,
                    Median(g.Select(s => s.ServerCpuMicrosPerTransaction).ToList()), cpuRatios);
            })
            .ToList();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
