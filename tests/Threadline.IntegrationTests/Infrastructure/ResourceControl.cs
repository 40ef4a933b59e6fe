using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Threadline.Testing;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Stops, starts, restarts and kills the platform's resources the way an operator or a crash would.</summary>
public static class ResourceControl
{
    /// <summary>Runs a dashboard resource command (start, stop, restart) and asserts it succeeded.</summary>
    public static async Task RunCommandAsync(this TopologyFixture platform, string resourceName, string command)
    {
        var resource = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        using var timeout = new CancellationTokenSource(PlatformBudgets.ResourceCommand);
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(resource, command, timeout.Token);
        Assert.True(result.Success, $"{command} on {resourceName}: {result.Message}");
    }

    /// <summary>Waits until the resource's process has ended (a crash, a kill or a stop).</summary>
    public static async Task WaitForExitAsync(this TopologyFixture platform, string resourceName)
    {
        using var timeout = new CancellationTokenSource(PlatformBudgets.ResourceCommand);
        await platform.App.ResourceNotifications.WaitForResourceAsync(resourceName,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), timeout.Token);
    }

    /// <summary>Starts a resource whose process has ended and waits until it reports healthy.</summary>
    /// <remarks>
    /// Issue 17: under CPU load this failed after a SIGKILL with "Stopped waiting for resource 'job-worker' to become
    /// healthy because it failed to start" although the worker did start. Cause: to start an executable again, Aspire
    /// deletes its DCP object and creates a new one, and (as Aspire's own DcpExecutor notes) the deleted object
    /// temporarily overrides the resource's state with a terminal one such as Exited. The health wait began right after
    /// the start command, and WaitForResourceHealthyAsync's default (StopOnResourceUnavailable) gives up at the first
    /// Exited snapshot; on a busy machine that snapshot of the killed process was still current (or arrived late), so the
    /// wait gave up on the old run. Now the wait ignores snapshots of the old process (told apart by its pid), waits
    /// through unavailable states, fails at once only when the new run itself ends or fails to start, and reports that
    /// with the resource's state history and last log lines. Its budget is PlatformBudgets.ResourceRestart.
    /// </remarks>
    public static async Task StartAgainAsync(this TopologyFixture platform, string resourceName)
    {
        await platform.WaitForExitAsync(resourceName);
        var oldPid = PidOf(platform, resourceName);
        var sawNewRun = false;
        bool IsNewRun(ResourceEvent e) => PidOf(e.Snapshot) is { } pid && pid != oldPid;
        bool Failed(ResourceEvent e)
        {
            if (!string.Equals(e.Resource.Name, resourceName, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var state = e.Snapshot.State?.Text;
            if (state == KnownResourceStates.Running && IsNewRun(e))
            {
                sawNewRun = true;
            }

            return state is not null && KnownResourceStates.TerminalStates.Contains(state)
                && (state == KnownResourceStates.FailedToStart || IsNewRun(e) || sawNewRun);
        }

        await platform.Diagnostics.GuardAsync($"Restart of {resourceName}", PlatformBudgets.ResourceRestart, Failed, [resourceName], async ct =>
        {
            var resource = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
            var result = await platform.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, ct);
            if (!result.Success)
            {
                throw new DistributedApplicationException($"start command on {resourceName}: {result.Message}");
            }

            await platform.App.ResourceNotifications.WaitForResourceAsync(resourceName,
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy && IsNewRun(e), ct);
        });
    }

    /// <summary>The pid the AppHost reports for the resource's current process; null when it reports none.</summary>
    public static int? PidOf(this TopologyFixture platform, string resourceName) =>
        platform.App.ResourceNotifications.TryGetCurrentState(resourceName, out var current) ? PidOf(current.Snapshot) : null;

    private static int? PidOf(CustomResourceSnapshot snapshot) =>
        int.TryParse(snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>
    /// SIGKILLs the resource's process and everything it started: no shutdown hooks, no acknowledgements, as in a crash
    /// or an OOM kill. The pid is the one the AppHost reports for the resource.
    /// </summary>
    public static async Task KillAsync(this TopologyFixture platform, string resourceName)
    {
        Assert.True(platform.App.ResourceNotifications.TryGetCurrentState(resourceName, out var current), $"{resourceName} has no state");
        var pidText = current.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value?.ToString();
        Assert.True(int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid), $"{resourceName} reports no pid ({pidText})");
        foreach (var process in Enumerable.Reverse(ProcessTree(pid)))
        {
            try
            {
                using var target = Process.GetProcessById(process);
                target.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        await platform.WaitForExitAsync(resourceName);
    }

    /// <summary>The pid and its descendants, parents first (read from /proc).</summary>
    private static List<int> ProcessTree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ...", where comm may contain spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }

        return tree;
    }
}
