using Threadline.Benchmarks.Investigation;

namespace Threadline.UnitTests.Benchmarks;

public sealed class LatencyStatsTests
{
    [Fact]
    public void Nearest_rank_percentiles_are_measured_samples()
    {
        // 1..100 shuffled: the p-th percentile by nearest rank is p itself.
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).OrderBy(i => (i * 37) % 101).ToList();

        var stats = LatencyStats.FromMilliseconds(samples);

        Assert.Equal(new LatencyStats(100, 50, 95, 100), stats);
    }

    [Theory]
    [InlineData(new[] { 7.0 }, 7, 7, 7)]
    [InlineData(new[] { 1.0, 2.0 }, 1, 2, 2)]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2, 3, 3)]
    public void Few_samples_round_the_rank_up(double[] samples, double p50, double p95, double max)
    {
        var stats = LatencyStats.FromMilliseconds(samples);

        Assert.Equal((p50, p95, max), (stats.P50, stats.P95, stats.Max));
    }

    [Fact]
    public void One_slow_call_in_twenty_is_the_p95()
    {
        var samples = Enumerable.Repeat(1.0, 19).Append(500.0).ToList();

        Assert.Equal(1.0, LatencyStats.FromMilliseconds(samples).P95);
        Assert.Equal(500.0, LatencyStats.FromMilliseconds(samples.Append(600.0)).P95);
    }

    [Fact]
    public void No_samples_and_out_of_range_percentiles_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LatencyStats.FromMilliseconds([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyStats.Percentile([1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyStats.Percentile([1.0], 101));
    }
}
