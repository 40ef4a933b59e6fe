using System.Globalization;
using System.Text.RegularExpressions;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// CPU time (user + system) a process used: on a shared machine the wall time stretches with the neighbours' load,
/// while the CPU a piece of work needs barely moves, so rows per CPU-second says what an idle core would give.
/// </summary>
public static partial class ProcessCpu
{
    /// <summary>Linux reports /proc/&lt;pid&gt;/stat times in USER_HZ, 100 per second on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system time from the report of <c>/usr/bin/time -v</c>; null when it has neither.</summary>
    public static TimeSpan? ParseGnuTime(string report)
    {
        var user = UserTime().Match(report);
        var system = SystemTime().Match(report);
        return user.Success && system.Success
            ? TimeSpan.FromSeconds(double.Parse(user.Groups[1].Value, CultureInfo.InvariantCulture) + double.Parse(system.Groups[1].Value, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>User plus system time of a running process so far (utime and stime of /proc/&lt;pid&gt;/stat).</summary>
    public static TimeSpan Of(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromSeconds((long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond);
    }

    [GeneratedRegex(@"User time \(seconds\): ([\d.]+)")]
    private static partial Regex UserTime();

    [GeneratedRegex(@"System time \(seconds\): ([\d.]+)")]
    private static partial Regex SystemTime();
}
