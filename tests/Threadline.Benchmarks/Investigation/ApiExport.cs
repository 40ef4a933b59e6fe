using System.Diagnostics;
using System.Globalization;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// <c>GET /api/v1/audit/export</c> on a running admin service, read to the end by a client that only counts bytes and
/// lines. The peak is the service process's VmHWM, reset just before the request, so the service's start-up is not in it
/// (only when the kernel lets the reset through; otherwise it is the peak since start, and the report says so).
/// </summary>
public static class ApiExport
{
    public static async Task<ExportResult> RunAsync(AdminServiceHost host, string format, int maxRows, CancellationToken cancellationToken)
    {
        var reset = ProcessMemory.TryResetPeak(host.Pid);
        var cpuBefore = ProcessCpu.Of(host.Pid);
        var stopwatch = Stopwatch.StartNew();
        using var response = await host.Client.GetAsync(
            $"/api/v1/audit/export?format={format}&maxRows={maxRows.ToString(CultureInfo.InvariantCulture)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 16];
        long bytes = 0, lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        var elapsed = stopwatch.Elapsed;
        var peak = ProcessMemory.PeakOf(host.Pid);
        var cpu = ProcessCpu.Of(host.Pid) - cpuBefore;
        // CSV has a header line; every NDJSON line is a row.
        var rows = format == "csv" ? lines - 1 : lines;
        return new ExportResult(reset ? "Admin API (`GET /api/v1/audit/export`)" : "Admin API (`GET /api/v1/audit/export`), peak since service start", format, rows, bytes, elapsed, peak, cpu);
    }
}
