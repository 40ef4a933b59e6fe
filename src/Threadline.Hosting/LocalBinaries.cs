using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Threadline.Hosting;

/// <summary>Finds PostgreSQL, PgBouncer and RabbitMQ executables from Debian's packages, installing them when allowed.</summary>
/// <param name="PostgresBin">The folder holding <c>postgres</c> and <c>initdb</c> (the newest <c>/usr/lib/postgresql/*/bin</c>).</param>
/// <param name="PgBouncer">The <c>pgbouncer</c> executable.</param>
/// <param name="RabbitMqServer">The <c>rabbitmq-server</c> script.</param>
/// <param name="Epmd">The Erlang port mapper daemon RabbitMQ's node registers with.</param>
public sealed record LocalBinaries(string PostgresBin, string PgBouncer, string RabbitMqServer, string Epmd)
{
    /// <summary>The shell command that installs the local prerequisites on Debian or Ubuntu; quoted in error messages.</summary>
    public const string InstallCommand =
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql pgbouncer rabbitmq-server";

    /// <summary>The PostgreSQL server executable.</summary>
    public string Postgres => Path.Combine(PostgresBin, "postgres");
    /// <summary>The executable that creates a new database cluster.</summary>
    public string InitDb => Path.Combine(PostgresBin, "initdb");

    /// <summary>
    /// Finds the executables in Debian's package locations; when one is missing and <paramref name="allowInstall"/> is set,
    /// runs <see cref="InstallCommand"/> (only as root with apt-get available) and looks again.
    /// </summary>
    /// <param name="logger">Warned before an installation starts.</param>
    /// <param name="allowInstall">Whether a missing executable may be installed with apt-get.</param>
    /// <returns>The paths of all four executables.</returns>
    /// <exception cref="InvalidOperationException">
    /// An executable is missing and cannot be installed (not allowed, not root, or no apt-get), or the installation failed or
    /// left it missing; the message gives the command to run.
    /// </exception>
    public static LocalBinaries Resolve(ILogger logger, bool allowInstall)
    {
        var found = TryFind();
        if (found is not null)
        {
            return found;
        }

        var isRoot = Environment.UserName == "root";
        var hasApt = File.Exists("/usr/bin/apt-get");
        if (!allowInstall || !isRoot || !hasApt)
        {
            throw new InvalidOperationException(
                "PostgreSQL, PgBouncer or RabbitMQ is not installed and no container runtime answers. " +
                $"Install them with: sudo sh -c '{InstallCommand}' (or start Docker and rerun).");
        }

        logger.LogWarning("PostgreSQL, PgBouncer or RabbitMQ is missing; installing with: {Command}", InstallCommand);
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", InstallCommand]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not start apt-get.");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Installing the local prerequisites failed (exit {process.ExitCode}). Run it yourself: {InstallCommand}");
        }

        return TryFind() ?? throw new InvalidOperationException($"The prerequisites are still missing after: {InstallCommand}");
    }

    private static LocalBinaries? TryFind()
    {
        var postgresBin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres")) && File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        var pgbouncer = FirstExisting("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer");
        var rabbit = FirstExisting("/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/sbin/rabbitmq-server");
        var epmd = FirstExisting("/usr/bin/epmd") ?? (Directory.Exists("/usr/lib/erlang")
            ? Directory.GetFiles("/usr/lib/erlang", "epmd", SearchOption.AllDirectories).FirstOrDefault()
            : null);
        return postgresBin is null || pgbouncer is null || rabbit is null || epmd is null
            ? null
            : new LocalBinaries(postgresBin, pgbouncer, rabbit, epmd);
    }

    private static string? FirstExisting(params string[] paths) => paths.FirstOrDefault(File.Exists);
}
