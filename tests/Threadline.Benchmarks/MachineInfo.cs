using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;

namespace Threadline.Benchmarks;

/// <summary>What the figures were measured on; ratios travel between machines far better than absolute numbers.</summary>
public sealed record MachineInfo(int Cores, string OperatingSystem, string Runtime, string PostgresVersion, string PgBouncerVersion, string CommitSettings, int SchemaVersion)
{
    public static async Task<MachineInfo> CollectAsync(NpgsqlConnection direct, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT current_setting('server_version'),
                   'fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', shared_buffers=' || current_setting('shared_buffers'),
                   (SELECT max(version) FROM threadline.schema_versions)
            """,
            direct);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new MachineInfo(
            Environment.ProcessorCount,
            OperatingSystemName(),
            RuntimeInformation.FrameworkDescription,
            reader.GetString(0),
            await PgBouncerVersionAsync(cancellationToken),
            reader.GetString(1),
            reader.GetInt32(2));
    }

    private static string OperatingSystemName()
    {
        const string osRelease = "/etc/os-release";
        var pretty = File.Exists(osRelease)
            ? File.ReadLines(osRelease).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
            : null;
        return pretty ?? RuntimeInformation.OSDescription;
    }

    /// <summary>The local PgBouncer binary's version, when the platform runs one (optional: "unknown" otherwise).</summary>
    private static async Task<string> PgBouncerVersionAsync(CancellationToken cancellationToken)
    {
        foreach (var candidate in new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer" })
        {
            if (!File.Exists(candidate))
            {
                continue;
            }

            try
            {
                using var process = Process.Start(new ProcessStartInfo(candidate, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
                if (process is null)
                {
                    break;
                }

                var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken);
                return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                break;
            }
        }

        return "unknown";
    }
}
