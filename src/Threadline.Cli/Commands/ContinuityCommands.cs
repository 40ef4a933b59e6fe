using System.CommandLine;
using System.Globalization;
using Threadline.Operations;

namespace Threadline.Cli.Commands;

/// <summary>threadline continuity check | enable: moving a table that already holds data under capture.</summary>
internal static class ContinuityCommands
{
    public static Command Build(CliApplication app)
    {
        var continuity = new Command("continuity", """
            Brownfield adoption: bring a table that already holds data under capture. Capture records changes from
            the moment it is enabled; with a baseline, the same transaction records each existing row's image
            (op 'baseline', actor system:threadline-baseline), so point-in-time questions have answers from day one.
            """);
        continuity.Subcommands.Add(Check(app));
        continuity.Subcommands.Add(Enable(app));
        app.SetExamples(continuity, """
              threadline continuity check --table customers
              threadline continuity enable --table customers --baseline --mask ssn
            """);
        return continuity;
    }

    private static Command Check(CliApplication app)
    {
        var set = new CaptureOptionSet();
        var command = new Command("check", """
            Say whether a table is ready to move under capture, and what to know first: its key, its estimated size
            (a baseline copies every row, under a SHARE lock that holds writers back), its other triggers, and any
            problem (no key, already captured, unknown columns). Exit 1 when it is not ready.
            """);
        set.AddTo(command);
        app.SetExamples(command, """
              threadline continuity check --table customers
              threadline continuity check --schema sales --table ledger --key entry_id
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var options = set.ToOptions(context);
            await using var db = await context.OpenAuditAsync(cancellationToken);
            var report = await new ContinuityManager(context.AuditSchema).CheckAsync(db, options, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = report.Ready,
                    table = report.Table,
                    ready = report.Ready,
                    alreadyCaptured = report.AlreadyCaptured,
                    estimatedRows = report.EstimatedRows,
                    keyColumns = report.KeyColumns,
                    otherTriggers = report.OtherTriggers,
                    problems = report.Problems,
                });
            }
            else
            {
                context.Out.WriteLine(report.Ready ? $"{report.Table} is READY for capture." : $"{report.Table} is NOT READY for capture.");
                context.Out.WriteLine($"  key:            {(report.KeyColumns.Count == 0 ? "(none)" : string.Join(", ", report.KeyColumns))}");
                context.Out.WriteLine($"  estimated rows: {report.EstimatedRows.ToString("N0", CultureInfo.InvariantCulture)} (planner estimate; a baseline records each)");
                context.Out.WriteLine($"  other triggers: {(report.OtherTriggers.Count == 0 ? "none" : string.Join(", ", report.OtherTriggers))}");
                context.Out.WriteLine($"  captured:       {(report.AlreadyCaptured ? "yes" : "no")}");
                foreach (var problem in report.Problems)
                {
                    context.Out.WriteLine($"  problem: {problem}");
                }

                if (report.Ready)
                {
                    context.Out.WriteLine($"Next: threadline continuity enable --schema {options.Schema} --table {options.Table} --baseline");
                }
            }

            return report.Ready ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static Command Enable(CliApplication app)
    {
        var set = new CaptureOptionSet();
        var baseline = new Option<bool>("--baseline") { Description = "Also record every existing row's image as a 'baseline' change, in the same transaction (writers wait until it commits)." };
        var roles = AuditRoleOptions.OwnerOnly();
        var command = new Command("enable", """
            Enable capture on a table that already holds data, optionally with a baseline of every existing row; all
            in one transaction, so it happens completely or not at all. Refused (exit 4) when the table is not ready:
            run 'threadline continuity check' first. Takes the same capture options as 'threadline capture enable'.
            """);
        set.AddTo(command);
        command.Options.Add(baseline);
        roles.AddTo(command);
        app.SetExamples(command, """
              threadline continuity enable --table customers --baseline
              threadline continuity enable --table customers --baseline --mask ssn --exclude avatar
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var options = set.ToOptions(context);
            var withBaseline = context.Value(baseline);
            await using var db = await context.OpenAuditAsync(cancellationToken, roles);
            var result = await new ContinuityManager(context.AuditSchemaWith(roles)).EnableAsync(db, options, withBaseline, cancellationToken);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, table = CaptureCommands.ToJson(result.Capture), baseline = withBaseline, baselineRows = result.BaselineRows, transactionId = result.TransactionId });
            }
            else
            {
                context.Out.WriteLine(withBaseline
                    ? $"Capture is enabled on {result.Capture.Schema}.{result.Capture.Table} with a baseline of {result.BaselineRows.ToString("N0", CultureInfo.InvariantCulture)} row{(result.BaselineRows == 1 ? "" : "s")} (audit transaction {result.TransactionId})."
                    : $"Capture is enabled on {result.Capture.Schema}.{result.Capture.Table} (no baseline: rows that existed before have no history).");
                CaptureCommands.WriteTable(context.Out, result.Capture);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
