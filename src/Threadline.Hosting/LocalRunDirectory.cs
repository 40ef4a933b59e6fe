using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Threadline.Hosting;

/// <summary>
/// A fresh folder per AppHost run for local data (database cluster, broker state, rendered configuration), under
/// an ignored <c>.threadline/</c> folder. Older runs are pruned so disks do not fill up.
/// </summary>
/// <remarks>
/// The path of the run folder may be any length: PostgreSQL runs without a Unix-domain socket (see
/// <see cref="ThreadlinePostgresBuilderExtensions.AddThreadlinePostgres"/>), so the kernel's 107-byte limit on socket paths no longer
/// applies to it.
/// <para>
/// PostgreSQL and PgBouncer run as the <c>postgres</c> user, which must be able to reach the run folder. Issue 17: the
/// earlier code widened every parent folder of the run folder with o+x, silently, a home folder included (a checkout
/// under /root made /root searchable by everyone). Now no parent is ever changed: when the service user cannot reach
/// the configured root, the run goes to a folder under /var/tmp instead, and a warning says which folder blocked it.
/// </para>
/// </remarks>
public sealed class LocalRunDirectory
{
    private const int RunsKept = 3;

    /// <summary>Where runs go when the service user cannot reach the configured root: /var/tmp is world-searchable and sticky.</summary>
    public const string FallbackBase = "/var/tmp/threadline";

    private LocalRunDirectory(string path, string root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>This run's folder.</summary>
    public string Path { get; }

    /// <summary>The folder run folders are created in: the configured root, or the fallback chosen for it.</summary>
    public string Root { get; }

    /// <summary>
    /// Creates this run's folder under <paramref name="root"/>, or, when <paramref name="serviceUser"/> (the user
    /// PostgreSQL and PgBouncer run as) cannot reach <paramref name="root"/>, under a fallback folder that user can reach.
    /// </summary>
    public static LocalRunDirectory Create(string root, string? serviceUser = null, ILogger? logger = null)
    {
        root = System.IO.Path.GetFullPath(root);
        CreateSearchable(root);
        if (serviceUser is not null && !CanTraverse(serviceUser, root))
        {
            var fallback = FallbackRoot(root);
            (logger ?? NullLogger.Instance).LogWarning(
                "The {User} user cannot reach {Root} ({Blocker}); this run keeps its local data in {Fallback} instead. " +
                "No folder's permissions were changed; set Threadline:LocalDataRoot to choose another place.",
                serviceUser, root, DescribeBlocker(root), fallback);
            CreateSearchable(fallback);
            if (!CanTraverse(serviceUser, fallback))
            {
                throw new InvalidOperationException(
                    $"The {serviceUser} user can reach neither {root} ({DescribeBlocker(root)}) nor {fallback} ({DescribeBlocker(fallback)}). Set Threadline:LocalDataRoot to a folder it can reach.");
            }

            root = fallback;
        }

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
        CreateSearchable(path);
        return new LocalRunDirectory(path, root);
    }

    /// <summary>
    /// Creates a folder, and any missing parents, as 0755 whatever the umask, so the service user can pass through the
    /// folders this code creates. Folders that already exist are left exactly as they are.
    /// </summary>
    private static void CreateSearchable(string path)
    {
        var missing = new List<string>();
        for (var dir = new DirectoryInfo(path); dir is not null && !dir.Exists; dir = dir.Parent)
        {
            missing.Add(dir.FullName);
        }

        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var created in missing)
        {
            File.SetUnixFileMode(created, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>One fallback root per configured root, so pruning still only sees runs of the same checkout.</summary>
    private static string FallbackRoot(string root)
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(root)))[..12].ToLowerInvariant();
        return System.IO.Path.Combine(FallbackBase, hash);
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

    /// <summary>A folder of this run for one resource, created if missing.</summary>
    internal string Sub(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Gives ownership of a folder to a system user (PostgreSQL and PgBouncer refuse to run as root). Changes no other
    /// folder: <see cref="Create"/> already chose a run folder that user can reach.
    /// </summary>
    internal static void ChownTo(string path, string user)
    {
        if (!IsRootOnLinux)
        {
            return;
        }

        using var process = Process.Start(new ProcessStartInfo("chown", ["-R", $"{user}:{user}", path]) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {user} {path} failed with exit code {process.ExitCode}.");
        }

        if (!CanTraverse(user, path))
        {
            throw new InvalidOperationException(
                $"The {user} user cannot reach {path}: {DescribeBlocker(path)}. Set Threadline:LocalDataRoot to a folder it can reach.");
        }
    }

    private static bool IsRootOnLinux => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>Whether <paramref name="user"/> can open <paramref name="path"/> (search permission on it and every parent, ACLs and groups included).</summary>
    internal static bool CanTraverse(string user, string path)
    {
        if (!IsRootOnLinux)
        {
            return true;
        }

        // Asked of the kernel as that user, rather than worked out from mode bits.
        using var process = Process.Start(new ProcessStartInfo("setpriv", [$"--reuid={user}", $"--regid={user}", "--init-groups", "--", "/usr/bin/test", "-x", path])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    /// <summary>The first parent folder others cannot search, with its mode, for messages.</summary>
    internal static string DescribeBlocker(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return "access denied";
        }

        var chain = new List<DirectoryInfo>();
        for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
        {
            chain.Insert(0, dir);
        }

        foreach (var dir in chain.Where(d => d.Exists))
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                return $"{dir.FullName} has mode {ModeText(mode)} (no search permission for others)";
            }
        }

        return "no parent folder lacks o+x; an ACL or a mount option blocks it";
    }

    private static string ModeText(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}
