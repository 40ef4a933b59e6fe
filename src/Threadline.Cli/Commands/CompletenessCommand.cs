using System.CommandLine;
using System.Globalization;
using Threadline.Capture;
using Threadline.Operations;

namespace Threadline.Cli.Commands;

/// <summary>threadline verify completeness: live rows whose last write has no audit record; exit 1 when any is found.</summary>
internal static class CompletenessCommand
{
    public static Command Build(CliApplication app)
    {
        var tables = Options.Repeated("--table", "A captured table (schema.table) to check (repeatable); default: every captured table.", "schema.table");
        var samples = Options.WholeNumber("--samples", "Example unaudited rows to show per table (default 10).", 0, CompletenessOptions.MaxSampleSize);
        var command = new Command("completeness", """
            Find live rows of captured tables whose last write has no audit record: a write made with
            session_replication_role = replica, while a capture trigger was disabled, or by any other bypass. Each
            row's writing transaction (xmin) is compared with the audited writes of that row since capture began.
            Rows written before capture began, or before the oldest change retention kept, are counted apart, since
            whether they were audited cannot be told. Reads every row of each table once. Exit 1 when any table has
            an unaudited row. Needs SELECT on the captured tables and on the audit tables (e.g. the schema owner).
            """)
        { tables, samples };
        app.SetExamples(command, """
              threadline verify completeness
              threadline verify completeness --table public.orders --table public.invoices --samples 50
              threadline verify completeness --json > completeness.json
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var options = new CompletenessOptions
            {
                Tables = (context.Value(tables) ?? []).Select(t => Options.QualifiedTable("--table", t)).ToArray(),
                SampleSize = context.Value(samples) ?? 10,
            };
            await using var db = await context.OpenAuditAsync(cancellationToken);
            CompletenessReport report;
            try
            {
                report = await new CompletenessChecker(context.AuditSchema).CheckAsync(db, options, cancellationToken);
            }
            catch (CaptureException ex) when (options.Tables.Count > 0 && ex.Message.StartsWith("Not captured:", StringComparison.Ordinal))
            {
                throw new UsageException($"Invalid --table: {ex.Message}", "List captured tables with 'threadline capture list'.");
            }

            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = report.Complete,
                    unaudited = report.Unaudited,
                    tables = report.Tables.Select(t => new
                    {
                        table = t.Table,
                        exists = t.Exists,
                        complete = t.Complete,
                        rowsChecked = t.RowsChecked,
                        audited = t.Audited,
                        unaudited = t.Unaudited,
                        unchangedSinceAudited = t.UnchangedSinceAudited,
                        beforeCapture = t.BeforeCapture,
                        historyPurged = t.HistoryPurged,
                        captureStartTxid = t.CaptureStartTxid,
                        captureStartedAt = t.CaptureStartedAt,
                        captureStartExact = t.CaptureStartExact,
                        samples = t.UnauditedSamples.Select(r => new { rowKey = r.RowKey, writingTxid = r.WritingTxid }),
                        notes = t.Notes,
                        durationMs = (long)t.Duration.TotalMilliseconds,
                    }),
                    cannotBeKnown = report.CannotBeKnown,
                });
                return report.Complete ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            if (report.Tables.Count == 0)
            {
                context.Out.WriteLine("Nothing is captured: nothing to check.");
            }

            foreach (var table in report.Tables)
            {
                Write(context.Out, table);
            }

            context.Out.WriteLine("What this check cannot see:");
            foreach (var limit in report.CannotBeKnown)
            {
                context.Out.WriteLine($"  - {limit}");
            }

            context.Out.WriteLine(report.Complete
                ? $"Completeness OK: no unaudited row in {report.Tables.Count} table(s)."
                : $"Completeness FAILED: {report.Unaudited.ToString("N0", CultureInfo.InvariantCulture)} unaudited row(s) in {report.Tables.Count(t => !t.Complete)} table(s).");
            return report.Complete ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static void Write(TextWriter output, TableCompleteness table)
    {
        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        output.WriteLine($"{(table.Complete ? "ok" : "FAIL"),-4}  {table.Table}: {N(table.RowsChecked)} rows checked in {table.Duration.TotalSeconds:0.0} s, capture since transaction {table.CaptureStartTxid} ({table.CaptureStartedAt:u}{(table.CaptureStartExact ? "" : ", lower bound")})");
        output.WriteLine($"      audited {N(table.Audited)}, unaudited {N(table.Unaudited)}, unchanged since audited {N(table.UnchangedSinceAudited)}, before capture or too old to tell {N(table.BeforeCapture)}, history purged {N(table.HistoryPurged)}");
        foreach (var row in table.UnauditedSamples)
        {
            output.WriteLine($"      unaudited {row.RowKey} written by transaction {row.WritingTxid}");
        }

        foreach (var note in table.Notes)
        {
            output.WriteLine($"      note: {note}");
        }
    }
}
