using System.Text;

namespace Threadline.Benchmarks;

/// <summary>Everything one run produced, rendered as the Markdown that docs/benchmarks.md quotes.</summary>
public sealed record BenchmarkRun(
    BenchmarkSettings Settings,
    MachineInfo Machine,
    DateTimeOffset StartedAt,
    TimeSpan Elapsed,
    IReadOnlyList<Comparison> Comparisons,
    IReadOnlyList<StorageResult> Storage,
    double PlainBytesPerRow,
    PlanCacheResult PlanCache);

public static class MarkdownReport
{
    public static string Render(BenchmarkRun run)
    {
        var md = new StringBuilder();
        var m = run.Machine;
        var s = run.Settings;
        Line(md, $"## Threadline capture overhead ({s.Mode} run, {run.StartedAt:yyyy-MM-dd HH:mm} UTC, {run.Elapsed.TotalMinutes:F1} min)");
        Line(md);
        Line(md, $"- Machine: {m.Cores} cores, {m.OperatingSystem}, {m.Runtime}");
        Line(md, $"- PostgreSQL {m.PostgresVersion} ({m.CommitSettings}); {m.PgBouncerVersion}, transaction pooling, pool size 3; Threadline schema version {m.SchemaVersion}");
        Line(md, $"- Single-row: {s.Clients} concurrent clients, {s.SingleRowRounds} interleaved rounds × {s.TransactionsPerClient:N0} transactions per client per variant; " +
                 "each transaction is ONE NpgsqlBatch = one round trip in both cases (audited: `CALL threadline.set_context($1)` + the statement).");
        Line(md, $"- Bulk: {s.BulkInsertRepetitions} × 1,000-row inserts and {s.BulkUpdateRepetitions} × 10,000-row updates per variant, alternating variants statement by statement.");
        Line(md, "- Values are medians over rounds; the ratio is the median of per-round ratios (audited cost ÷ unaudited cost in the same round); the range shows the spread of those per-round ratios.");
        Line(md);
        Line(md, "| Scenario | Path | Unaudited | Audited | Ratio audited/unaudited | Round ratios (min–max) | Target | Result |");
        Line(md, "|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var c in Ordered(run))
        {
            var baseline = c[BenchVariant.Unaudited];
            var audited = c[BenchVariant.Audited];
            Line(md, $"| {c.Scenario} | {c.Path} | {baseline.FormatValue(c.Kind)} | {audited.FormatValue(c.Kind)} | {audited.MedianRatio:F2}× | " +
                     $"{audited.MinRatio:F2}–{audited.MaxRatio:F2} | ≤ {c.Target:F1}× | {(c.Passes ? "pass" : "**fail**")} |");
        }

        Line(md);
        Line(md, "### Where the overhead goes, and the per-row alternative");
        Line(md);
        Line(md, "Same rounds, more tables with identical rows. *Context, no capture*: the audited batch (with `CALL threadline.set_context`) against a table without triggers, i.e. the actor bridge alone. " +
                 (s.IncludeRowLevelDesign ? "*Per-row trigger*: a naive FOR EACH ROW design that finds or creates the transaction row (INSERT ... ON CONFLICT) and inserts one change row, for every row. " : "") +
                 "All ratios divide by the unaudited table in the same round.");
        Line(md);
        var others = run.Comparisons[0].Results.Select(r => r.Variant).Where(v => v != BenchVariant.Unaudited).ToList();
        Line(md, "| Scenario | Path | " + string.Join(" | ", others.Select(v => v.Label)) + " |");
        Line(md, "|---|---|" + string.Concat(others.Select(_ => "---:|")));
        foreach (var c in Ordered(run))
        {
            Line(md, $"| {c.Scenario} | {c.Path} | " + string.Join(" | ", others.Select(v => $"{c[v].FormatValue(c.Kind)} ({c[v].MedianRatio:F2}×)")) + " |");
        }

        Line(md);
        Line(md, "### Audit storage per captured change");
        Line(md);
        Line(md, "Growth of the audit tables (heap + indexes + TOAST) divided by the change rows added; the transaction rows are included in the bytes.");
        Line(md);
        Line(md, "| Workload | Design | Change rows | Transaction rows (with actor) | Audit bytes | Bytes per change |");
        Line(md, "|---|---|---:|---:|---:|---:|");
        foreach (var r in run.Storage)
        {
            Line(md, $"| {r.Workload} | {r.Variant.Label} | {r.Changes:N0} | {r.Transactions:N0} ({r.AttributedTransactions:N0}) | {r.AuditBytes:N0} | {r.BytesPerChange:N0} |");
        }

        Line(md);
        Line(md, $"For scale: the unaudited table itself grows by {run.PlainBytesPerRow:N0} bytes per inserted row (heap + primary key).");
        var plan = run.PlanCache;
        Line(md);
        Line(md, "### Cached-plan check (audited table, unpooled direct sessions)");
        Line(md);
        Line(md, $"A {plan.Rows:N0}-row UPDATE takes {plan.FreshSessionSeconds * 1000:N1} ms as the first update of a fresh session, and " +
                 $"{plan.AfterSingleRowSeconds * 1000:N1} ms in a session that ran a single-row UPDATE first ({plan.Ratio:F1}×). " +
                 (plan.Ratio > 3
                     ? "**The capture function's cached plan from the one-row statement makes the bulk update quadratic.**"
                     : "No cached-plan penalty."));
        return md.ToString();
    }

    /// <summary>Single-row scenarios first, then bulk: the order of the targets.</summary>
    private static IEnumerable<Comparison> Ordered(BenchmarkRun run) => run.Comparisons.OrderBy(c => c.Kind == MetricKind.Duration);

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
