using System.Text;

namespace Threadline.Benchmarks;

/// <summary>The purge benchmark's results, rendered as the Markdown that docs/benchmarks.md quotes.</summary>
public static class PurgeReport
{
    public static string Render(PurgeRun run)
    {
        var md = new StringBuilder();
        var m = run.Machine;
        var d = run.Dataset;
        Line(md, $"## Threadline retention purge ({run.Settings.Mode} run, {run.StartedAt:yyyy-MM-dd HH:mm} UTC, {run.Elapsed.TotalMinutes:F1} min)");
        Line(md);
        Line(md, $"- Machine: {m.Cores} cores, {m.OperatingSystem}, {m.Runtime}");
        Line(md, $"- PostgreSQL {m.PostgresVersion} ({m.CommitSettings}); Threadline schema version {m.SchemaVersion}; direct connection, purges run as `threadline_retention`");
        Line(md, $"- Data, identical in both databases: {d.TotalChanges:N0} changes in {d.TotalTransactions:N0} transactions ({PurgeDataset.ChangesPerTransaction} changes each) " +
                 $"over {PurgeDataset.Months} calendar months, {PurgeDataset.MonthName(d.MonthStarts[0])} to {PurgeDataset.MonthName(d.MonthStarts[PurgeDataset.Months - 1])}, " +
                 $"{d.ChangesPerMonth:N0} changes and {d.TransactionsPerMonth:N0} transactions per month, in capture order; 60% inserts, 30% updates, 10% deletes over four tables; " +
                 $"mean data_after {run.MeanDataAfterBytes:N0} bytes. `{PurgeBenchmark.RowsDatabase}` is a plain install; `{PurgeBenchmark.PartitionedDatabase}` has monthly " +
                 "partitions (`PartitioningManager.EnableAsync(Month)` plus one partition per synthetic month, owned by `threadline_owner`).");
        Line(md, "- Each step expires the oldest remaining month in both databases with the same `RetentionPolicy` and the same `asOf`: a dry run, then " +
                 "`RetentionPurger.PurgeAsync(execute: true)` with the step's batch size, then `VACUUM (ANALYZE)` (timed apart, not in the rate). " +
                 "Steps alternate the batch size and which database goes first.");
        Line(md, "- Changes/s is changes removed ÷ the whole purge call, which also removes the month's transaction rows. On the partitioned database it is an " +
                 "equivalent rate: the month goes as one partition. *Partition drop (server)* is the time PostgreSQL spent in `drop_change_partitions_before` " +
                 "within that purge call (`track_functions`).");
        Line(md);
        Line(md, "| Database | Load (`INSERT ... SELECT`) | `VACUUM (ANALYZE)` | Changes: heap + indexes + TOAST | Transactions | Change partitions |");
        Line(md, "|---|---:|---:|---:|---:|---:|");
        foreach (var load in run.Loads)
        {
            Line(md, $"| `{load.Database}` | {Seconds(load.Load)} | {Seconds(load.Vacuum)} | {Mib(load.ChangesBytes)} | {Mib(load.TransactionsBytes)} | " +
                     $"{(load.Partitioned ? load.Partitions.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "–")} |");
        }

        Line(md);
        Line(md, "### Side by side, one month per step");
        Line(md);
        Line(md, "| Step | Expired month | Batch size | Row deletes: purge | Row deletes: changes/s | Row deletes: batches | Partition drop: purge | Partition drop: changes/s (equivalent) | Partition drop (server) | Row ÷ partition time | Dry run: rows / partitioned |");
        Line(md, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (rows, partitioned) in Pairs(run))
        {
            Line(md, $"| {rows.Step} | {rows.ExpiredMonth} | {rows.BatchSize:N0} | {Seconds(rows.Purge)} | {rows.ChangesPerSecond:N0} | {rows.Summary.Batches:N0} | " +
                     $"{Seconds(partitioned.Purge)} | {partitioned.ChangesPerSecond:N0} | {Milliseconds(partitioned.DropFunctionMilliseconds)} | " +
                     $"{rows.Purge / partitioned.Purge:F1}× | {Seconds(rows.DryRun)} / {Seconds(partitioned.DryRun)} |");
        }

        Line(md);
        foreach (var batchSize in run.Steps.Select(s => s.BatchSize).Distinct())
        {
            var pairs = Pairs(run).Where(p => p.Rows.BatchSize == batchSize).ToList();
            Line(md, $"- Batch size {batchSize:N0} ({pairs.Count} steps, medians): row deletes {Stats.Median(pairs.Select(p => p.Rows.ChangesPerSecond).ToList()):N0} changes/s " +
                     $"({Stats.Median(pairs.Select(p => p.Rows.Purge.TotalSeconds).ToList()):N1} s a month); partition drop " +
                     $"{Stats.Median(pairs.Select(p => p.Partitioned.Purge.TotalSeconds).ToList()):N1} s a month " +
                     $"({Stats.Median(pairs.Select(p => p.Partitioned.ChangesPerSecond).ToList()):N0} changes/s equivalent).");
        }

        var bare = run.BareDrop;
        Line(md, $"- The bare call `SELECT * FROM threadline.drop_change_partitions_before(cutoff)`, timed by the client outside the purger, dropped " +
                 $"`{bare.Partition}` ({bare.Rows:N0} changes) in {bare.Duration.TotalMilliseconds:N0} ms. It counts the partition's rows per table before the `DROP TABLE`.");
        Line(md);
        Line(md, "### Every purge call");
        Line(md);
        Line(md, "*Changes phase*: from the start of the call to the end of its last batch of change deletes (partitioned: the drop, then one pass that finds nothing left to delete). " +
                 "The rest of the call removes the transaction rows left without changes. *Change batch, first → last*: median time of the first three and of the last three " +
                 "full batches of change deletes in the call.");
        Line(md);
        Line(md, "| Step | Database | Batch size | Dry run | Purge | Changes phase | Change batch, first → last | Changes removed | Transactions removed | Batches | Partitions dropped | `VACUUM (ANALYZE)` after | Dry run = executed |");
        Line(md, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
        foreach (var s in run.Steps)
        {
            Line(md, $"| {s.Step} | `{s.Database}` | {s.BatchSize:N0} | {Seconds(s.DryRun)} | {Seconds(s.Purge)} | {Seconds(s.ChangesPhase)} | {Trend(s)} | {s.Summary.Changes:N0} | " +
                     $"{s.Summary.Transactions:N0} | {s.Summary.Batches:N0} | {(s.Summary.Partitions.Count == 0 ? "–" : string.Join(", ", s.Summary.Partitions))} | " +
                     $"{Seconds(s.Vacuum)} | {(s.MatchesDryRun && s.Summary.Complete ? "yes" : "**no**")} |");
        }

        return md.ToString();
    }

    private static string Trend(PurgeStepResult step) =>
        step.FullBatchTrend is { } trend ? $"{trend.First.TotalMilliseconds:N0} → {trend.Last.TotalMilliseconds:N0} ms" : "–";

    private static IEnumerable<(PurgeStepResult Rows, PurgeStepResult Partitioned)> Pairs(PurgeRun run) =>
        run.Steps.GroupBy(s => s.Step).Select(g => (g.Single(s => !s.Partitioned), g.Single(s => s.Partitioned)));

    private static string Seconds(TimeSpan time) => time.TotalSeconds < 10 ? $"{time.TotalSeconds:N2} s" : $"{time.TotalSeconds:N1} s";

    private static string Milliseconds(double? milliseconds) => milliseconds is { } ms ? $"{ms:N0} ms" : "n/a";

    private static string Mib(long bytes) => $"{bytes / 1048576.0:N0} MiB";

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
