using System.CommandLine;
using System.Globalization;
using Threadline.Operations.Integrity;

namespace Threadline.Cli.Commands;

/// <summary>threadline seal and threadline verify integrity: tamper evidence over the audit trail.</summary>
internal static class IntegrityCommands
{
    public static Command Seal(CliApplication app)
    {
        var ifNew = new Option<bool>("--if-new") { Description = "Write no seal when nothing new became visible since the last one (for schedules)." };
        var export = new Option<bool>("--export") { Description = "Write no seal: print the latest seal's anchor JSON." };
        var anchorOut = new Option<string?>("--anchor-out") { Description = "Also write the anchor JSON to this file (keep it outside the database's reach).", HelpName = "file" };
        var command = new Command("seal", """
            Seal the audit trail: hash every transaction, change and purge-log entry that became visible since the last
            seal, chained to it, and print the seal's anchor (id, time, hash, row counts). Keep anchors outside the
            database: `threadline verify integrity --anchor` catches a chain that a superuser rewrote. Run it as the
            owner or a role in the threadline_retention group; it changes no audit row.
            """)
        { ifNew, export, anchorOut };
        app.SetExamples(command, """
              threadline seal
              threadline seal --if-new --anchor-out /var/lib/audit-anchors/latest.json
              threadline seal --export --json > anchor.json
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            if (context.Value(export) && context.Value(ifNew))
            {
                throw new UsageException("--export writes no seal, so --if-new has no meaning with it: give one of them.");
            }

            await using var db = await context.OpenAuditAsync(cancellationToken);
            var sealer = new AuditSealer(context.AuditSchema);
            AuditSeal? seal = null;
            if (!context.Value(export))
            {
                seal = await sealer.SealAsync(db, context.Value(ifNew), cancellationToken);
            }

            var anchor = await sealer.ExportAnchorAsync(db, cancellationToken: cancellationToken);
            if (anchor is null)
            {
                throw new CliException(ExitCodes.CheckFailed, "There is no seal yet: nothing to export.", "Write the first one with: threadline seal");
            }

            if (context.Value(anchorOut) is { Length: > 0 } path)
            {
                await File.WriteAllTextAsync(path, anchor.ToJson() + "\n", cancellationToken);
            }

            if (context.Json)
            {
                context.Out.WriteLine(anchor.ToJson());
                return ExitCodes.Success;
            }

            if (seal is not null)
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Sealed: seal {seal.Id} covers {seal.Transactions} transactions, {seal.Changes} changes and {seal.PurgeEntries} purge-log entries that became visible since {(seal.PreviousId is { } p ? $"seal {p}" : "the start")}."));
            }
            else if (!context.Value(export))
            {
                context.Out.WriteLine($"Nothing new became visible since seal {anchor.SealId}: no seal written.");
            }

            context.Out.WriteLine("Anchor (keep a copy outside the database):");
            context.Out.WriteLine(anchor.ToJson());
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command VerifyIntegrity(CliApplication app)
    {
        var anchorFile = new Option<string?>("--anchor") { Description = "An anchor JSON file written by threadline seal: its seal must still be in the chain with the same hash.", HelpName = "file" };
        var command = new Command("integrity", """
            Recompute every seal from the audit rows and name each transaction, change or purge-log entry that was
            changed, deleted or inserted since it was sealed. Rows removed by retention or partition drops are in the
            purge log and count as purged, not as tampering. Rows committed after the last seal are not checked yet
            (the next seal covers them). Exit 1 when anything does not verify, or when nothing is sealed yet. Needs
            read access to the audit schema (threadline_reader will do).
            """)
        { anchorFile };
        app.SetExamples(command, """
              threadline verify integrity
              threadline verify integrity --anchor /var/lib/audit-anchors/latest.json
              threadline verify integrity --json > integrity.json
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var anchor = context.Value(anchorFile) is { } path ? await ReadAnchorAsync(path, cancellationToken) : null;
            await using var db = await context.OpenAuditAsync(cancellationToken);
            var report = await new IntegrityVerifier(context.AuditSchema).VerifyAsync(db, anchor, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = report.Intact,
                    intact = report.Intact,
                    seals = report.Seals,
                    latestSeal = report.LatestSeal,
                    rowsVerified = report.RowsVerified,
                    purgedRows = report.PurgedRows,
                    unsealedRows = report.UnsealedRows,
                    anchorChecked = report.AnchorChecked,
                    findings = report.Findings.Select(f => new { problem = f.Problem, kind = f.Kind, id = f.Id, sealId = f.SealId, detail = f.Detail }),
                    durationSeconds = Math.Round(report.Duration.TotalSeconds, 3),
                });
                return report.Intact ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            var output = context.Out;
            foreach (var finding in report.Findings.Take(1_000))
            {
                output.WriteLine($"FAIL  {finding.Problem,-17}  {finding.Detail}");
            }

            if (report.Findings.Count > 1_000)
            {
                output.WriteLine($"... and {report.Findings.Count - 1_000} more (use --json for all of them).");
            }

            if (report.Seals == 0)
            {
                output.WriteLine("Integrity NOT VERIFIED: there is no seal yet. Write one with: threadline seal");
                return ExitCodes.CheckFailed;
            }

            var latest = report.LatestSeal!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Seals} seals, latest {latest.Id} of {latest.SealedAt:u}: {report.RowsVerified} sealed rows, {report.PurgedRows} purged (in the purge log), {report.UnsealedRows} not sealed yet."));
            if (anchor is not null)
            {
                output.WriteLine($"Anchor: {anchor.Summary}.");
            }

            output.WriteLine(report.Intact
                ? $"Integrity OK in {report.Duration.TotalSeconds:0.0}s{(anchor is null ? " (without an anchor, a rewrite of the whole chain by a superuser would not show: pass --anchor)" : "")}."
                : $"Integrity FAILED: {report.Findings.Count} finding(s).");
            return report.Intact ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static async Task<SealAnchor> ReadAnchorAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--anchor: the file '{path}' does not exist.", "Write one with: threadline seal --anchor-out FILE (or threadline seal --export --json > FILE).");
        }

        try
        {
            return SealAnchor.Parse(await File.ReadAllTextAsync(path, cancellationToken));
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--anchor: '{path}' is not a Threadline seal anchor: {ex.Message}.");
        }
    }
}
