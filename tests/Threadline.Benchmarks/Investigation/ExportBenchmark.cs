using Npgsql;
using Threadline.Benchmarks.Pgbench;
using Threadline.Query;

namespace Threadline.Benchmarks.Investigation;

/// <summary>
/// NDJSON and CSV exports of the oldest <see cref="InvestigationSettings.ExportRows"/> changes from each database,
/// through the CLI and through the admin API, both reading as the reader role.
/// </summary>
public sealed class ExportBenchmark(LocalCluster cluster, InvestigationSettings settings, Action<string> log)
{
    public const double TargetRowsPerSecond = 200_000;
    public const double TargetPeakMegabytes = 150;
    public static readonly string[] Formats = ["ndjson", "csv"];

    public async Task<IReadOnlyList<(InvestigationSchema Schema, ExportResult Result)>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<(InvestigationSchema, ExportResult)>();
        foreach (var schema in InvestigationSchema.Both)
        {
            // The CLI pools nothing across runs; one connection of its own, unpooled, like a user's run.
            var connectionString = InvestigationCluster.ReaderConnectionString(cluster, schema.Database);
            foreach (var format in Formats)
            {
                results.Add((schema, Report(schema, await CliExport.RunAsync(connectionString, format, settings.ExportRows, cluster.ScratchDirectory, cancellationToken))));
            }

            await using var admin = await AdminServiceHost.StartAsync(connectionString, cancellationToken);
            foreach (var format in Formats)
            {
                results.Add((schema, Report(schema, await ApiExport.RunAsync(admin, format, settings.ExportRows, cancellationToken))));
            }
        }

        return results;
    }

    /// <summary>
    /// The plans of the exporter's two queries (truncation probe, then the rows) on the current schema: the same
    /// in-process <see cref="AuditExporter"/> the CLI and the endpoint call, one NDJSON export into nothing.
    /// </summary>
    public async Task<string> CapturePlansAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(InvestigationCluster.ExplainConnectionString(cluster, InvestigationSchema.After.Database));
        var plans = await InvestigationCluster.CapturePlansAsync(cluster,
            () => new AuditExporter(dataSource).ExportAsync(AuditFilter.All, AuditExportFormat.Ndjson, Stream.Null, settings.ExportRows, cancellationToken: cancellationToken),
            cancellationToken);
        log("Export plans captured (current schema).");
        return plans;
    }

    private ExportResult Report(InvestigationSchema schema, ExportResult result)
    {
        log($"{schema.Name} {result.Path} {result.Format}: {result.Rows:N0} rows in {result.Elapsed.TotalSeconds:F1} s = {result.RowsPerSecond:N0} rows/s, peak {result.PeakMegabytes:F0} MB, {result.Cpu.TotalSeconds:F1} CPU s in the exporting process ({result.RowsPerCpuSecond:N0} rows per CPU-second)");
        return result;
    }
}
