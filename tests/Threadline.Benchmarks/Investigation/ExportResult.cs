namespace Threadline.Benchmarks.Investigation;

/// <summary>One export: rows and bytes written, the wall time (process start to exit for the CLI, request to last byte for the API) and the peak resident memory of the exporting process.</summary>
/// <param name="Cpu">CPU time of the exporting process during the export (user + system).</param>
public sealed record ExportResult(string Path, string Format, long Rows, long Bytes, TimeSpan Elapsed, long PeakResidentBytes, TimeSpan Cpu)
{
    /// <summary>What one idle core would give if the exporting process were the bottleneck.</summary>
    public double RowsPerCpuSecond => Rows / Cpu.TotalSeconds;

    public double RowsPerSecond => Rows / Elapsed.TotalSeconds;

    public double PeakMegabytes => PeakResidentBytes / (1024.0 * 1024.0);
}
