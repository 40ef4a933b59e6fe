using System.Text;

namespace Threadline.Benchmarks.Pgbench;

/// <summary>The Markdown of a <c>--pgbench</c> run: throughput and ratios, bytes and WAL per change, and how it was measured.</summary>
public static class PgbenchReport
{
    public static string Render(PgbenchRun run)
    {
        var md = new StringBuilder();
        var s = run.Settings;
        var m = run.Machine;
        Line(md, $"## Threadline capture cost with pgbench ({s.Mode} run, {run.StartedAt:yyyy-MM-dd HH:mm} UTC, {run.Elapsed.TotalMinutes:F1} min)");
        Line(md);
        Line(md, $"Reproduce: `dotnet run -c Release --project tests/Threadline.Benchmarks -- {string.Join(' ', s.Arguments)}`");
        Line(md);
        Line(md, "### Throughput");
        Line(md);
        Line(md, $"`pgbench -n -M simple -c {s.Clients} -j {s.Threads} -T {s.MeasureSeconds}`, after a {s.WarmupSeconds} s warm-up run and a CHECKPOINT; " +
                 $"{s.Repetitions} repetition(s), every variant back to back within a repetition, order rotated per repetition. " +
                 "Every transaction is `BEGIN; SELECT set_config('threadline.context', ..., true), set_config('threadline.context_tx', <stamp>, true); <statement>; COMMIT;` (the bridges' statement) (one round trip per statement). " +
                 "Ratio = baseline tps / variant tps in the same repetition (2.00 = half the throughput); median and min–max over repetitions. " +
                 "Server CPU = CPU seconds of the PostgreSQL server (postmaster, backends and background processes) over the measured run ÷ transactions; " +
                 "its ratio (variant ÷ baseline, same repetition) is steadier than tps on a shared machine, because busy neighbours stretch wall time, not the work a transaction needs.");
        Line(md);
        Line(md, "| Workload | Path | Variant | Median tps | Ratio (median) | Ratio min–max | Server CPU µs/tx | CPU ratio (median) | CPU ratio min–max | tps per repetition |");
        Line(md, "|---|---|---|---:|---:|---:|---:|---:|---:|---|");
        var summaries = ThroughputSummary.From(run.Samples);
        foreach (var workload in run.Workloads)
        {
            foreach (var path in workload.Paths)
            {
                foreach (var variant in run.Variants)
                {
                    if (summaries.SingleOrDefault(x => x.Workload == workload.Name && x.Path == path && x.Variant == variant.Name) is not { } summary)
                    {
                        continue;
                    }

                    var perRepetition = run.Samples.Where(x => x.Workload == workload.Name && x.Path == path && x.Variant == variant.Name)
                        .OrderBy(x => x.Repetition).Select(x => x.Tps.ToString("F1"));
                    Line(md, $"| {workload.Letter}. {workload.Name} | {path} | {variant.Name} | {summary.MedianTps:F1} | {Ratio(summary.MedianRatio)} | " +
                             $"{Ratio(summary.MinRatio)}–{Ratio(summary.MaxRatio)} | {summary.MedianCpuMicros:F0} | {Ratio(summary.MedianCpuRatio)} | " +
                             $"{Ratio(summary.MinCpuRatio)}–{Ratio(summary.MaxCpuRatio)} | {string.Join(", ", perRepetition)} |");
                }
            }
        }

        Line(md);
        Line(md, "### Audit bytes and WAL per change");
        Line(md);
        Line(md, "Fresh database per variant, fixed workload, each transaction with the context set; each part starts after a CHECKPOINT. " +
                 "WAL is cluster-wide, so this phase runs alone: throughput databases dropped, autovacuum off. " +
                 "Audit bytes: growth of `pg_total_relation_size` over every table in schema `threadline` (or `audit_floor`) ÷ rows written. " +
                 "WAL: `pg_wal_lsn_diff` over the part ÷ rows written; the baseline's WAL per row is the table's own cost, so the overhead column is the capture's WAL per change.");
        Line(md);
        Line(md, "| Part | Variant | Rows written | Audit rows | Audit bytes / change | WAL bytes / change | WAL overhead / change vs baseline |");
        Line(md, "|---|---|---:|---:|---:|---:|---:|");
        foreach (var part in AuditBytesBenchmark.Parts.Append(AuditBytesBenchmark.TotalPart))
        {
            var baseline = run.Bytes.SingleOrDefault(b => b.Part == part && b.Variant == PgbenchVariant.BaselineName);
            foreach (var b in run.Bytes.Where(b => b.Part == part))
            {
                var overhead = baseline is null ? "–" : $"{b.WalBytesPerChange - baseline.WalBytesPerChange:N0}";
                Line(md, $"| {part} | {b.Variant} | {b.Rows:N0} | {b.AuditRows?.ToString("N0") ?? "–"} | {b.AuditBytesPerChange?.ToString("N0") ?? "–"} | " +
                         $"{b.WalBytesPerChange:N0} | {overhead} |");
            }
        }

        Line(md);
        Line(md, "### Variants");
        Line(md);
        foreach (var variant in run.Variants)
        {
            Line(md, $"- `{variant.Name}`: {variant.Description}");
        }

        Line(md);
        Line(md, "### Machine and settings");
        Line(md);
        Line(md, $"- {m.Cores} cores (shared with other work), {m.Runtime}; load average (1/5/15 min) {m.LoadAtStart} at start, {run.LoadAtEnd} at the end.");
        Line(md, $"- PostgreSQL {m.PostgresVersion}, fresh cluster started by the benchmark: {m.ServerSettings}.");
        Line(md, $"- {m.PgBouncerVersion}, transaction pooling, default_pool_size={LocalCluster.PgBouncerPoolSize}; {m.PgbenchVersion}. Direct and pooled runs connect as superuser `postgres` over TCP 127.0.0.1.");
        Line(md, $"- Table `items`: {ItemsTable.SeedRows:N0} seeded rows in `{ItemsTable.TemplateDatabase}`, one copy per variant; rows inserted by earlier runs stay, so tables grow over the run alike for all variants.");
        Line(md, $"- Durations: warm-up {s.WarmupSeconds} s, measured {s.MeasureSeconds} s, {s.Repetitions} repetition(s); throughput phase {run.ThroughputElapsed.TotalMinutes:F1} min, whole run {run.Elapsed.TotalMinutes:F1} min.");
        Line(md, $"- Full-run budget: 6 workload/path runs × {run.Variants.Count} variants × 3 repetitions × (5 s + 15 s) = {6 * run.Variants.Count * 3 * 20 / 60.0:F0} min of pgbench, plus checkpoints and the bytes phase; a fifth variant still fits under 40 min.");
        return md.ToString();
    }

    private static string Ratio(double? ratio) => ratio is { } r ? $"{r:F2}" : "–";

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
