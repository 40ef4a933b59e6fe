using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Stops, starts, restarts and kills the platform's resources the way an operator or a crash would.</summary>
public static class ResourceControl
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs a dashboard resource command (start, stop, restart) and asserts it succeeded.</summary>
    public static async Task RunCommandAsync(this PlatformFixture platform, string resourceName, string command)
    {
        var resource = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        using var timeout = new CancellationTokenSource(CommandTimeout);
        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(resource, command, timeout.Token);
        Assert.True(result.Success, $"{command} on {resourceName}: {result.Message}");
    }

    /// <summary>Waits until the resource's process has ended (a crash, a kill or a stop).</summary>
    public static async Task WaitForExitAsync(this PlatformFixture platform, string resourceName)
    {
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await platform.App.ResourceNotifications.WaitForResourceAsync(resourceName,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), timeout.Token);
    }

    /// <summary>Starts a resource whose process has ended and waits until it reports healthy.</summary>
    public static async Task StartAgainAsync(this PlatformFixture platform, string resourceName)
    {
        await platform.WaitForExitAsync(resourceName);
        await platform.RunCommandAsync(resourceName, KnownResourceCommands.StartCommand);
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await platform.App.ResourceNotifications.WaitForResourceHealthyAsync(resourceName, timeout.Token);
    }

    /// <summary>
    /// SIGKILLs the resource's process and everything it started: no shutdown hooks, no acknowledgements, as in a crash
    /// or an OOM kill. The pid is the one the AppHost reports for the resource.
    /// </summary>
    public static async Task KillAsync(this PlatformFixture platform, string resourceName)
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
