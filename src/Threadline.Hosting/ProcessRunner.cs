using System.Diagnostics;

namespace Threadline.Hosting;

internal static class ProcessRunner
{
    public static async Task RunAsync(string command, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', args)} failed with exit code {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
        }
    }

    /// <summary>
    /// A bash wrapper that turns the SIGTERM Aspire sends into <paramref name="stopSignal"/> for the real server
    /// (PostgreSQL's fast shutdown is SIGINT) and waits for it, so stopping the AppHost leaves no process behind.
    /// </summary>
    public static (string Command, IReadOnlyList<string> Args) Supervised(string stopSignal, string command, IReadOnlyList<string> args)
    {
        const string script = """
            trap 'kill -s "$STOP_SIGNAL" "$child" 2>/dev/null' TERM INT
            "$@" &
            child=$!
            wait "$child"
            status=$?
            wait "$child" 2>/dev/null
            exit $status
            """;
        return ("/bin/bash", ["-c", script.Replace("$STOP_SIGNAL", stopSignal, StringComparison.Ordinal), "threadline-supervisor", command, .. args]);
    }
}
