using System.Globalization;
using System.Text;
using Npgsql;
using Threadline.Operations;
using Threadline.Operations.Integrity;
using Threadline.Platform;

namespace Threadline.AppHost;

/// <summary>
/// Dashboard buttons for operators. Each runs the real library operation against the running topology and shows
/// its result; none of them changes audit rows (the purge is a dry run; a seal only appends to the seal chain).
/// </summary>
internal static class OperatorCommands
{
    /// <summary>What the dashboard's dry run assumes; the CLI takes any policy.</summary>
    private static readonly RetentionPolicy DashboardPolicy = new(TimeSpan.FromDays(90));

    public static IResourceBuilder<T> WithCoverageAndRetentionCommands<T>(this IResourceBuilder<T> database)
        where T : IResourceWithConnectionString
    {
        database.WithCommand("verify-coverage", "Verify capture coverage", async context =>
        {
            await using var connection = await OpenAsync(database.Resource, context.CancellationToken);
            var report = await new CoverageChecker().CheckAsync(connection, new CoverageExpectation { Required = PlatformTables.MustBeCaptured }, context.CancellationToken);
            var text = new StringBuilder("| Table | Status | Detail |\n| --- | --- | --- |\n");
            foreach (var finding in report.Findings)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {finding.Table} | {finding.Status} | {finding.Detail} |");
            }

            var summary = report.RequiredHealthy ? "Every required table is captured." : "A required table is not captured correctly.";
            return report.RequiredHealthy
                ? CommandResults.Success(summary, text.ToString(), CommandResultFormat.Markdown, displayImmediately: true)
                : CommandResults.Failure(summary + "\n\n" + text);
        }, new CommandOptions { IconName = "ShieldCheckmark", Description = "Checks that every required table has its four enabled capture triggers." });

        database.WithCommand("purge-dry-run", "Retention dry run (90 days)", async context =>
        {
            await using var connection = await OpenAsync(database.Resource, context.CancellationToken);
            var summary = await new RetentionPurger().PurgeAsync(connection, DashboardPolicy, execute: false, cancellationToken: context.CancellationToken);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"As of {summary.AsOf:u}, a 90-day policy would delete:\n\n| Kind | Rows |\n| --- | --- |\n");
            foreach (var (table, count) in summary.ChangesByTable)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| changes of {table} | {count} |");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"| transactions | {summary.Transactions} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| actions | {summary.Actions} |");
            text.AppendLine("\nNothing was deleted. To purge: `threadline retention purge --window 90d --execute`.");
            return CommandResults.Success($"Dry run: {summary.Changes} changes would be purged.", text.ToString(), CommandResultFormat.Markdown, displayImmediately: true);
        }, new CommandOptions { IconName = "Delete", Description = "Counts exactly what a 90-day retention purge would delete. Deletes nothing." });
        return database;
    }

    public static IResourceBuilder<T> WithIntegrityCommands<T>(this IResourceBuilder<T> database)
        where T : IResourceWithConnectionString
    {
        database.WithCommand("seal", "Seal the audit trail", async context =>
        {
            await using var connection = await OpenAsync(database.Resource, context.CancellationToken);
            var sealer = new AuditSealer();
            var seal = await sealer.SealAsync(connection, skipIfNothingNew: true, context.CancellationToken);
            var anchor = await sealer.ExportAnchorAsync(connection, cancellationToken: context.CancellationToken);
            var summary = seal is null
                ? $"Nothing new since seal {anchor!.SealId}: no seal written."
                : $"Seal {seal.Id}: {seal.Transactions} transactions, {seal.Changes} changes, {seal.PurgeEntries} purge-log entries.";
            return CommandResults.Success(summary, $"{summary}\n\nAnchor (keep a copy outside the database):\n\n```json\n{anchor!.ToJson()}\n```\n",
                CommandResultFormat.Markdown, displayImmediately: true);
        }, new CommandOptions { IconName = "LockClosed", Description = "Seals what became visible since the last seal and shows the anchor to keep outside the database." });

        database.WithCommand("verify-integrity", "Verify audit integrity", async context =>
        {
            await using var connection = await OpenAsync(database.Resource, context.CancellationToken);
            var report = await new IntegrityVerifier().VerifyAsync(connection, cancellationToken: context.CancellationToken);
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{report.Seals} seals; {report.RowsVerified} sealed rows, {report.PurgedRows} purged, {report.UnsealedRows} not sealed yet.\n\n");
            if (report.Findings.Count > 0)
            {
                text.Append("| Problem | Row | Seal | Detail |\n| --- | --- | --- | --- |\n");
                foreach (var finding in report.Findings.Take(200))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"| {finding.Problem} | {finding.Kind} {finding.Id} | {finding.SealId} | {finding.Detail} |");
                }
            }

            return report.Intact
                ? CommandResults.Success("The sealed audit trail verifies.", text.ToString(), CommandResultFormat.Markdown, displayImmediately: true)
                : CommandResults.Failure(report.Seals == 0 ? "Nothing is sealed yet: run Seal first." : $"{report.Findings.Count} integrity finding(s).\n\n{text}");
        }, new CommandOptions { IconName = "DocumentLock", Description = "Recomputes every seal and names each changed, deleted or inserted audit row." });
        return database;
    }

    public static IResourceBuilder<T> WithCompletenessCommand<T>(this IResourceBuilder<T> database)
        where T : IResourceWithConnectionString
    {
        database.WithCommand("verify-completeness", "Verify audit completeness", async context =>
        {
            await using var connection = await OpenAsync(database.Resource, context.CancellationToken);
            var report = await new CompletenessChecker().CheckAsync(connection, new CompletenessOptions { Tables = PlatformTables.MustBeCaptured, SampleSize = 5 }, context.CancellationToken);
            var text = new StringBuilder("| Table | Rows | Audited | Unaudited | Unchanged since audited | Before capture | History purged |\n| --- | --- | --- | --- | --- | --- | --- |\n");
            foreach (var t in report.Tables)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {t.Table} | {t.RowsChecked} | {t.Audited} | {t.Unaudited} | {t.UnchangedSinceAudited} | {t.BeforeCapture} | {t.HistoryPurged} |");
            }

            foreach (var row in report.Tables.SelectMany(t => t.UnauditedSamples.Select(r => (t.Table, r))))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"\n- unaudited: {row.Table} `{row.r.RowKey}`, written by transaction {row.r.WritingTxid}");
            }

            text.AppendLine("\nWhat this check cannot see:\n");
            foreach (var limit in report.CannotBeKnown)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {limit}");
            }

            return report.Complete
                ? CommandResults.Success("Every live row's last write is audited (or predates capture).", text.ToString(), CommandResultFormat.Markdown, displayImmediately: true)
                : CommandResults.Failure($"{report.Unaudited} live row(s) were last written without an audit record.\n\n" + text);
        }, new CommandOptions { IconName = "DocumentSearch", Description = "Finds live rows of the required tables whose last write has no audit record (a bypass of capture). Reads every row once." });
        return database;
    }

    public static IResourceBuilder<T> WithTopologyCommand<T>(this IResourceBuilder<T> pooledDatabase)
        where T : IResourceWithConnectionString
    {
        pooledDatabase.WithCommand("verify-topology", "Verify pooler topology", async context =>
        {
            var connectionString = await pooledDatabase.Resource.ConnectionStringExpression.GetValueAsync(context.CancellationToken)
                ?? throw new InvalidOperationException($"{pooledDatabase.Resource.Name} has no connection string yet.");
            var report = await new TopologyVerifier().VerifyAsync(connectionString, new TopologyProbeOptions { Clients = 8, TransactionsPerClient = 20, EnvironmentClass = "local (AppHost)" }, context.CancellationToken);
            return report.Safe
                ? CommandResults.Success("The actor bridge is safe through this pooler.", report.ToMarkdown(), CommandResultFormat.Markdown, displayImmediately: true)
                : CommandResults.Failure(report.ToMarkdown());
        }, new CommandOptions { IconName = "ArrowRouting", Description = "Concurrent transactions with distinct actors through the pooler; proves no actor crosses transactions." });
        return pooledDatabase;
    }

    private static async Task<NpgsqlConnection> OpenAsync(IResourceWithConnectionString resource, CancellationToken cancellationToken)
    {
        var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException($"{resource.Name} has no connection string yet.");
        // Unpooled: commands are rare, and a pooled connection would be a dead one after a database or pooler restart.
        var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
