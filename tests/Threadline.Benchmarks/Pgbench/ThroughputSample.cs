namespace Threadline.Benchmarks.Pgbench;

/// <summary>The tps of one measured pgbench run.</summary>
public sealed record ThroughputSample(string Workload, string Path, string Variant, int Repetition, double Tps);
