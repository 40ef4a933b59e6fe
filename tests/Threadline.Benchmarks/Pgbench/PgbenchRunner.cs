using System.Globalization;
using System.Text.RegularExpressions;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>Runs <c>pgbench -n -M simple -c 4 -j 2 -T N -f script</c> against one database on one path and reads its tps.</summary>
public sealed partial class PgbenchRunner(LocalCluster cluster, PgbenchSettings settings, string scriptDirectory)
{
    public async Task<PgbenchResult> RunAsync(PgbenchWorkload workload, string path, string database, int seconds, CancellationToken cancellationToken)
    {
        var script = Path.Combine(scriptDirectory, $"{workload.Letter}-{workload.Name}.sql");
        if (!File.Exists(script))
        {
            await File.WriteAllTextAsync(script, workload.Script, cancellationToken);
        }

        var port = path == PgbenchPath.PgBouncer ? cluster.PgBouncerPort : cluster.PostgresPort;
        var output = await OsProcess.RunCheckedAsync(
            OsProcess.Command(OsProcess.Bin("pgbench"),
                "-n", "-M", "simple",
                "-c", settings.Clients.ToString(CultureInfo.InvariantCulture),
                "-j", settings.Threads.ToString(CultureInfo.InvariantCulture),
                "-T", seconds.ToString(CultureInfo.InvariantCulture),
                "-f", script,
                "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", LocalCluster.User, database),
            cancellationToken);
        var failed = FailedPattern().Match(output.StandardOutput);
        if (failed.Success && failed.Groups[1].Value != "0")
        {
            throw new InvalidOperationException($"pgbench {workload.Name} on {database} via {path}: {failed.Value}\n{output.StandardError}");
        }

        var tps = TpsPattern().Match(output.StandardOutput);
        var processed = ProcessedPattern().Match(output.StandardOutput);
        return tps.Success && processed.Success
            ? new PgbenchResult(double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"No tps or transaction count in the pgbench output:\n{output.StandardOutput}\n{output.StandardError}");
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedPattern();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();
}
