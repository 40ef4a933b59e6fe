using System.Globalization;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>
/// CPU time used by the PostgreSQL server: the postmaster, its live children (backends, WAL writer, checkpointer) and,
/// through the postmaster's cutime/cstime, every child that exited and was reaped (pgbench's backends end with the run).
/// Busy neighbours on a shared machine stretch wall time and tps, but barely the CPU a transaction needs, so the
/// per-transaction CPU ratio is the steadier figure of the two.
/// </summary>
public static class ServerCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>Seconds of CPU used by the server so far.</summary>
    public static double Seconds(int postmasterPid)
    {
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (Read(pid) is not { } stat)
            {
                continue;
            }

            if (pid == postmasterPid)
            {
                ticks += stat.User + stat.System + stat.ChildrenUser + stat.ChildrenSystem;
            }
            else if (stat.ParentPid == postmasterPid)
            {
                ticks += stat.User + stat.System;
            }
        }

        return ticks / TicksPerSecond;
    }

    private sealed record Stat(int ParentPid, long User, long System, long ChildrenUser, long ChildrenSystem);

    private static Stat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // exited while we looked
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may hold spaces; fields are counted after its closing one.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new Stat((int)Field(4), Field(14), Field(15), Field(16), Field(17));
    }
}
