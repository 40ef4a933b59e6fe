using System.Globalization;
using System.Text.RegularExpressions;

namespace Threadline.Benchmarks.Investigation;

/// <summary>Peak resident memory of a process, as the kernel counts it (VmHWM; GNU time's "Maximum resident set size").</summary>
public static partial class ProcessMemory
{
    public const string GnuTime = "/usr/bin/time";

    /// <summary>The peak from the report of <c>/usr/bin/time -v</c>, in bytes; null when it has none.</summary>
    public static long? ParseGnuTimePeak(string report)
    {
        var match = GnuTimePeak().Match(report);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 : null;
    }

    /// <summary>A running process's peak so far (VmHWM from /proc/&lt;pid&gt;/status), in bytes.</summary>
    public static long PeakOf(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Resets VmHWM to the current resident size (writing 5 to clear_refs), so the next peak is of the next piece of work only.</summary>
    public static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (\d+)")]
    private static partial Regex GnuTimePeak();
}
