using System.Diagnostics;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>The output of a finished external command.</summary>
public sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs the PostgreSQL and PgBouncer binaries; the servers refuse to run as root, so they run as <c>postgres</c> then.</summary>
public static class OsProcess
{
    public const string PostgresBin = "/usr/lib/postgresql/15/bin";
    public const string PgBouncer = "/usr/sbin/pgbouncer";
    private const string ServiceUser = "postgres";

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static string Bin(string tool) => Path.Combine(PostgresBin, tool);

    /// <summary>A server command: as <c>postgres</c> when we are root. setpriv execs in place, so the pid and signals are the server's own.</summary>
    public static ProcessStartInfo AsServiceUser(string file, params string[] arguments)
    {
        if (!IsRoot)
        {
            return Command(file, arguments);
        }

        return Command("setpriv", ["--reuid=" + ServiceUser, "--regid=" + ServiceUser, "--init-groups", "--", file, .. arguments]);
    }

    public static ProcessStartInfo Command(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Hands a folder to the service user, so the servers can write into it.</summary>
    public static async Task ChownToServiceUserAsync(string path, CancellationToken cancellationToken)
    {
        if (IsRoot)
        {
            await RunCheckedAsync(Command("chown", "-R", $"{ServiceUser}:{ServiceUser}", path), cancellationToken);
        }
    }

    /// <summary>Runs to completion; on cancellation the command is killed rather than left running.</summary>
    public static async Task<ProcessOutput> RunAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessOutput(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<ProcessOutput> RunCheckedAsync(ProcessStartInfo info, CancellationToken cancellationToken)
    {
        var output = await RunAsync(info, cancellationToken);
        if (output.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {output.ExitCode}:\n{output.StandardError}{output.StandardOutput}");
        }

        return output;
    }
}
