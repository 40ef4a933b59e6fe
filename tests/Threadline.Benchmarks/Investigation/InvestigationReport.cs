using System.Text;

namespace Threadline.Benchmarks.Investigation;

/// <summary>The Markdown of an <c>--investigation</c> run: lookups and exports, history without and with actor copies side by side, against the issue's targets.</summary>
public static class InvestigationReport
{
    private const int MaxPlanLines = 80;

    public static string Render(InvestigationRun run)
    {
        var md = new StringBuilder();
        var s = run.Settings;
        var m = run.Machine;
        var d = run.Dataset;
        Line(md, $"## Threadline investigation and export ({s.Mode} run, {run.Started:yyyy-MM-dd HH:mm} UTC, {run.Elapsed.TotalMinutes:F1} min)");
        Line(md);
        Line(md, $"Reproduce: `dotnet run -c Release --project tests/Threadline.Benchmarks -- {string.Join(' ', s.Arguments)}`");
        Line(md);
        Line(md, $"Data, identical in both databases: {d.TotalChanges:N0} changes in {d.TotalTransactions:N0} transactions over {InvestigationDataset.Months} months " +
                 $"({d.Start:yyyy-MM-dd} to {d.End:yyyy-MM-dd}) on {d.Rows:N0} rows of {InvestigationDataset.Tables.Length} tables; " +
                 $"{InvestigationDataset.Users} users, a service account and a job; transactions of 1 to 8 changes, three per correlation id. " +
                 $"before = {Schema(InvestigationSchema.Before)}; current = {Schema(InvestigationSchema.After)}.");
        Line(md);
        Line(md, "| Database | Load (`INSERT ... SELECT`) | `VACUUM (ANALYZE)` | changes (heap + indexes + TOAST) | transactions |");
        Line(md, "|---|---:|---:|---:|---:|");
        foreach (var load in run.Loads)
        {
            Line(md, $"| {load.Schema.Name} (`{load.Schema.Database}`) | {load.Load.TotalSeconds:F0} s | {load.Vacuum.TotalSeconds:F0} s | {load.ChangesBytes / 1048576.0:N0} MiB | {load.TransactionsBytes / 1048576.0:N0} MiB |");
        }

        Line(md);
        Line(md, "### Lookups (ms, through `AuditReader`, page size 50)");
        Line(md);
        Line(md, $"Up to {s.Samples} timed calls per lookup and database (fewer when a lookup reaches its {s.ScenarioBudget.TotalSeconds:F0} s budget; at least 20) after {s.WarmupSamples} untimed ones, random parameters, the same sequence on both sides, the side going first alternating per call. " +
                 $"Pooled connections as a login member of `threadline_reader`, direct TCP. Nearest-rank percentiles. Met? is the current schema's p95 against ≤ {LatencyBenchmark.TargetMilliseconds:F0} ms.");
        Line(md);
        Line(md, "| Lookup | Target | Before p50 | Before p95 | Before max | Current p50 | Current p95 | Current max | Calls | Rows per call | Met? |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in run.Latencies)
        {
            Line(md, $"| {r.Scenario} | p95 ≤ {LatencyBenchmark.TargetMilliseconds:F0} | {r.Before.P50:F2} | {r.Before.P95:F2} | {r.Before.Max:F1} | {r.After.P50:F2} | **{r.After.P95:F2}** | {r.After.Max:F1} | {r.After.Samples} | {r.MeanRows:F1} | {Met(r.After.P95 <= LatencyBenchmark.TargetMilliseconds)} |");
        }

        Line(md);
        Line(md, $"### Exports ({s.ExportRows:N0} rows, oldest first, no filter)");
        Line(md);
        Line(md, "Rows/s = rows ÷ wall time. CLI: `dotnet Threadline.Cli.dll export --format F --max-rows N --out file` as a child process, wall time from start to exit (process start and the truncation probe included), peak = its maximum resident set size (`/usr/bin/time -v`). " +
                 "Admin API: the admin service started as its own process against the database (reader login, a token for this run), the client counting the streamed bytes; wall time from request to last byte, peak = the service's VmHWM, reset just before the request. Exporter CPU = user + system time of the exporting process (CLI or service) during the export: rows per CPU-second is what one idle core would give if that process were the bottleneck. " +
                 $"Met? is the current schema's figure against ≥ {ExportBenchmark.TargetRowsPerSecond:N0} rows/s and ≤ {ExportBenchmark.TargetPeakMegabytes:F0} MB.");
        Line(md);
        Line(md, "| Export | Format | Target | Before rows/s | Before peak MB | Current rows/s | Current peak MB | Current MB written | Current exporter CPU s | Rows per CPU-second | Met? |");
        Line(md, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var group in run.Exports.GroupBy(e => (e.Result.Path, e.Result.Format)))
        {
            var before = group.FirstOrDefault(e => e.Schema == InvestigationSchema.Before).Result;
            var after = group.FirstOrDefault(e => e.Schema == InvestigationSchema.After).Result;
            if (before is null || after is null)
            {
                continue;
            }

            var met = after.RowsPerSecond >= ExportBenchmark.TargetRowsPerSecond && after.PeakMegabytes <= ExportBenchmark.TargetPeakMegabytes;
            Line(md, $"| {group.Key.Path} | {group.Key.Format} | ≥ {ExportBenchmark.TargetRowsPerSecond / 1000:F0}k rows/s, ≤ {ExportBenchmark.TargetPeakMegabytes:F0} MB | {before.RowsPerSecond:N0} | {before.PeakMegabytes:F0} | **{after.RowsPerSecond:N0}** | **{after.PeakMegabytes:F0}** | {after.Bytes / 1048576.0:N0} | {after.Cpu.TotalSeconds:F1} | {after.RowsPerCpuSecond:N0} | {Met(met)} |");
        }

        var plans = run.Latencies.Where(r => r.AfterPlan is not null || r.BeforePlan is not null).ToList();
        if (plans.Count > 0)
        {
            Line(md);
            Line(md, "### Plans of the lookups over target (auto_explain, ANALYZE and BUFFERS, one warm call with the first sample's parameters)");
            foreach (var r in plans)
            {
                Plan(md, r.Scenario, "current", r.AfterPlan);
                Plan(md, r.Scenario, "before", r.BeforePlan);
            }
        }

        Line(md);
        Line(md, "### Plans of the export queries, current schema (auto_explain, ANALYZE and BUFFERS; an in-process `AuditExporter` NDJSON export into nothing)");
        Plan(md, "Truncation probe, then the rows", "current", run.ExportPlans, int.MaxValue);

        Line(md);
        Line(md, "### Machine and settings");
        Line(md);
        Line(md, $"- {m.Cores} cores (shared with other work), {m.Runtime}; load average (1/5/15 min) {m.LoadAtStart} at start, {run.LoadAtEnd} at the end.");
        Line(md, $"- PostgreSQL {m.PostgresVersion}, fresh cluster started by the benchmark, no PgBouncer: {m.ServerSettings}; plus {string.Join(", ", InvestigationCluster.Options.ExtraServerSettings)}.");
        Line(md, $"- Whole run {run.Elapsed.TotalMinutes:F1} min, loads included.");
        return md.ToString();
    }

    private static string Schema(InvestigationSchema schema) => $"`{schema.Database}`, {schema.Description}";

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static void Plan(StringBuilder md, string scenario, string side, string? plan, int maxLines = MaxPlanLines)
    {
        if (plan is null)
        {
            return;
        }

        var lines = plan.Split('\n').Where(l => l.Length > 0).ToList();
        Line(md);
        Line(md, $"{scenario}, {side}:");
        Line(md);
        Line(md, "```text");
        foreach (var line in lines.Take(maxLines))
        {
            Line(md, line.TrimEnd());
        }

        if (lines.Count > maxLines)
        {
            Line(md, $"... ({lines.Count - maxLines} more lines)");
        }

        Line(md, "```");
    }

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
