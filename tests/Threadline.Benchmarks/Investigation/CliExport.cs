using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Threadline.Benchmarks.Pgbench;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// <c>threadline export</c> as a user runs it: a child process writing a file, wrapped in <c>/usr/bin/time -v</c> for
/// its peak resident memory. The wall time includes the process start and the truncation probe, as a user waits for them.
/// </summary>
public static partial class CliExport
{
    public static async Task<ExportResult> RunAsync(string connectionString, string format, int maxRows, string scratchDirectory, CancellationToken cancellationToken)
    {
        var file = Path.Combine(scratchDirectory, $"cli-export.{format}");
        var timeReport = Path.Combine(scratchDirectory, "cli-export.time");
        var stopwatch = Stopwatch.StartNew();
        var output = await OsProcess.RunCheckedAsync(
            OsProcess.Command(ProcessMemory.GnuTime, "-v", "-o", timeReport, "dotnet", BuiltTools.CliDll, "export",
                "--connection", connectionString, "--format", format, "--max-rows", maxRows.ToString(CultureInfo.InvariantCulture), "--out", file),
            cancellationToken);
        var elapsed = stopwatch.Elapsed;
        try
        {
            var rows = Exported().Match(output.StandardOutput) is { Success: true } match
                ? long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"No row count in the CLI's output:\n{output.StandardOutput}{output.StandardError}");
            var report = await File.ReadAllTextAsync(timeReport, cancellationToken);
            var peak = ProcessMemory.ParseGnuTimePeak(report) ?? throw new InvalidOperationException("No peak memory in the /usr/bin/time report.");
            var cpu = ProcessCpu.ParseGnuTime(report) ?? throw new InvalidOperationException("No CPU times in the /usr/bin/time report.");
            return new ExportResult("CLI (`threadline export --out file`)", format, rows, new FileInfo(file).Length, elapsed, peak, cpu);
        }
        finally
        {
            File.Delete(file);
            File.Delete(timeReport);
        }
    }

    [GeneratedRegex(@"Exported ([\d,]+) change")]
    private static partial Regex Exported();
}
