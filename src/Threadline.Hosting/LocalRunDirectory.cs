using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Threadline.Hosting;

/// <summary>
/// A fresh folder per AppHost run for local data (database cluster, broker state, rendered configuration), under
/// an ignored <c>.threadline/</c> folder. Older runs are pruned so disks do not fill up.
/// </summary>
public sealed class LocalRunDirectory
{
    private const int RunsKept = 3;

    private LocalRunDirectory(string path) => Path = path;

    public string Path { get; }

    public static LocalRunDirectory Create(string root)
    {
        Directory.CreateDirectory(root);
        // Runs of AppHosts that are still alive (tests and benchmarks run side by side) are never pruned: on Linux a
        // directory in use can be deleted from under its processes.
        var finished = new DirectoryInfo(root).GetDirectories("run-*")
            .Where(d => !IsOwnerAlive(d.Name))
            .OrderByDescending(d => d.Name, StringComparer.Ordinal)
            .ToArray();
        foreach (var stale in finished.Skip(RunsKept - 1))
        {
            try
            {
                stale.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Still in use by a process that outlived its AppHost: leave it.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        var path = System.IO.Path.Combine(root, $"run-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        return new LocalRunDirectory(path);
    }

    /// <summary>Run folders end with the AppHost's process id; a folder whose process still runs belongs to a live run.</summary>
    private static bool IsOwnerAlive(string runName)
    {
        if (!int.TryParse(runName[(runName.LastIndexOf('-') + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Gives ownership of a folder to a system user (PostgreSQL and PgBouncer refuse to run as root).</summary>
    public static void ChownTo(string path, string user)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return;
        }

        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", $"{user}:{user}", path]) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {user} {path} failed with exit code {process.ExitCode}.");
        }

        // The run folder's parents must be traversable by that user.
        for (var dir = Directory.GetParent(path); dir is not null; dir = dir.Parent)
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(dir.FullName, mode | UnixFileMode.OtherExecute);
            }
        }
    }
}

/// <summary>Allocates free loopback TCP ports for local executables (they listen on the port directly, without a proxy).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
