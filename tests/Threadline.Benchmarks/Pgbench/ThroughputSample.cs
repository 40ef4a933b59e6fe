namespace Threadline.Benchmarks.Pgbench;

/// <summary>One measured pgbench run: its tps and the server CPU it took per transaction.</summary>
public sealed record ThroughputSample(string Workload, string Path, string Variant, int Repetition, double Tps, double ServerCpuMicrosPerTransaction);
