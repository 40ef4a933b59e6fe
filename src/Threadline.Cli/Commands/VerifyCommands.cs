using System.CommandLine;
using Threadline.Operations;

namespace Threadline.Cli.Commands;

/// <summary>threadline verify coverage | completeness | topology | integrity: checks for CI gates and operators; exit 1 when the check fails.</summary>
internal static class VerifyCommands
{
    public static Command Build(CliApplication app)
    {
        var verify = new Command("verify", "Checks that exit 1 when they fail, for CI gates and health checks: capture coverage, unaudited rows, the safety of the connection chain (PgBouncer), and the integrity of the sealed audit trail.");
        verify.Subcommands.Add(Coverage(app));
        verify.Subcommands.Add(CompletenessCommand.Build(app));
        verify.Subcommands.Add(Topology(app));
        verify.Subcommands.Add(IntegrityCommands.VerifyIntegrity(app));
        app.SetExamples(verify, """
              threadline verify coverage --require-schema public
              threadline verify completeness --table public.orders
              threadline verify topology --connection "$APP_CONNECTION_THROUGH_PGBOUNCER"
              threadline verify integrity --anchor anchor.json
            """);
        return verify;
    }

    private static Command Coverage(CliApplication app)
    {
        var require = Options.Repeated("--require", "A table (schema.table) that must be captured (repeatable).", "schema.table");
        var requireSchema = Options.Repeated("--require-schema", "Every table in this schema must be captured, except --expect-uncovered ones (repeatable).", "schema");
        var expectUncovered = Options.Repeated("--expect-uncovered", "A table deliberately not captured, with the reason kept next to the decision: schema.table=reason (repeatable).", "schema.table=reason");
        var strict = new Option<bool>("--strict") { Description = "Fail on a problem on any captured table, not only on required ones." };
        var command = new Command("coverage", """
            Compare what must be captured with what the catalog says: missing, disabled, stale, duplicated and
            unregistered capture triggers, and captured tables that were dropped. Exit 1 when a required table has a
            problem. Without --require or --require-schema, every captured table counts as required. Needs only
            catalog access (an application role will do).
            """)
        { require, requireSchema, expectUncovered, strict };
        app.SetExamples(command, """
              threadline verify coverage --require-schema public --expect-uncovered public.sessions="rebuilt nightly"
              threadline verify coverage --require public.orders --require public.invoices
              threadline verify coverage --json > coverage.json
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var required = (context.Value(require) ?? []).Select(t => Options.QualifiedTable("--require", t)).ToArray();
            var schemas = context.Value(requireSchema) ?? [];
            var excused = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var text in context.Value(expectUncovered) ?? [])
            {
                var (table, reason) = Options.Pair("--expect-uncovered", text, "public.sessions=\"rebuilt nightly\"");
                excused[Options.QualifiedTable("--expect-uncovered", table)] = reason;
            }

            var everyCaptured = required.Length == 0 && schemas.Length == 0;
            await using var db = await context.OpenAuditAsync(cancellationToken);
            var report = await new CoverageChecker(context.AuditSchema).CheckAsync(db, new CoverageExpectation { Required = required, RequiredSchemas = schemas, ExpectedUncovered = excused }, cancellationToken);
            var passed = everyCaptured || context.Value(strict) ? report.Healthy : report.RequiredHealthy;
            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = passed,
                    requiredHealthy = report.RequiredHealthy,
                    healthy = report.Healthy,
                    requiredTables = report.RequiredTables.Order(StringComparer.Ordinal),
                    findings = report.Findings.Select(f => new { table = f.Table, status = f.Status, problem = f.IsProblem, required = report.RequiredTables.Contains(f.Table), detail = f.Detail }),
                });
                return passed ? ExitCodes.Success : ExitCodes.CheckFailed;
            }

            if (everyCaptured)
            {
                context.Out.WriteLine("No --require or --require-schema given: checking every captured table.");
            }

            var width = report.Findings.Select(f => f.Table.Length).DefaultIfEmpty(10).Max();
            foreach (var finding in report.Findings)
            {
                var mark = finding.IsProblem ? (report.RequiredTables.Contains(finding.Table) || everyCaptured || context.Value(strict) ? "FAIL" : "WARN") : finding.Status == CoverageStatus.ExpectedUncovered ? "SKIP" : "ok";
                context.Out.WriteLine($"{mark,-4}  {finding.Table.PadRight(width)}  {finding.Status,-20}  {finding.Detail}");
            }

            if (report.Findings.Count == 0)
            {
                context.Out.WriteLine("Nothing is captured and nothing is required.");
            }

            var problems = report.Findings.Count(f => f.IsProblem);
            context.Out.WriteLine(passed
                ? $"Coverage OK: {report.Findings.Count(f => f.Status == CoverageStatus.Covered)} covered, {report.Findings.Count(f => f.Status == CoverageStatus.ExpectedUncovered)} expected uncovered{(problems > 0 ? $", {problems} problem(s) on tables that are not required" : "")}."
                : $"Coverage FAILED: {report.Findings.Count(f => f.IsProblem && (everyCaptured || context.Value(strict) || report.RequiredTables.Contains(f.Table)))} problem(s) on tables that must be captured.");
            return passed ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static Command Topology(CliApplication app)
    {
        var clients = Options.WholeNumber("--clients", "Concurrent clients, each with its own actor (default 8; at most Max Pool Size of the connection string).", 1, 100);
        var transactions = Options.WholeNumber("--transactions", "Audited transactions per client (default 25).", 1, 10_000);
        var environment = new Option<string>("--environment") { Description = "What to call this environment in the topology row, e.g. CI, host, staging.", HelpName = "name", DefaultValueFactory = _ => "CI" };
        var format = new Option<string>("--format") { Description = "markdown (the host topology row and verdict) or json.", HelpName = "markdown|json", DefaultValueFactory = _ => "markdown" };
        format.AcceptOnlyFromAmong("markdown", "json");
        var noSessionProbe = new Option<bool>("--no-session-probe") { Description = "Skip showing that a session-level SET leaks (that probe leaves a harmless custom setting on a pooled backend)." };
        var command = new Command("topology", """
            Prove on this connection string (direct, or through PgBouncer as the application connects) that the
            transaction-local actor bridge is safe: concurrent clients run audited transactions with distinct actors
            and read back what they see; nothing may be misattributed or left behind. Writes no table. Prints the
            host topology row (markdown) for the adoption evidence; exit 1 when the chain is unsafe.
            """)
        { clients, transactions, environment, format, noSessionProbe };
        app.SetExamples(command, """
              threadline verify topology --connection "Host=pgbouncer;Port=6432;Database=app;Username=app;No Reset On Close=true;Max Auto Prepare=0"
              threadline verify topology --clients 4 --transactions 10 --environment staging
              threadline verify topology --format json > topology.json
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var options = new TopologyProbeOptions
            {
                Clients = context.Value(clients) ?? 8,
                TransactionsPerClient = context.Value(transactions) ?? 25,
                EnvironmentClass = context.Value(environment) is { Length: > 0 } name ? name : "CI",
                ProbeSessionState = !context.Value(noSessionProbe),
            };
            var connectionString = context.ConnectionString;
            var report = await new TopologyVerifier().VerifyAsync(connectionString, options, cancellationToken);
            if (context.Json || context.Value(format) == "json")
            {
                context.WriteJson(new
                {
                    ok = report.Safe,
                    safe = report.Safe,
                    problems = report.Problems,
                    chain = report.Chain,
                    environmentClass = report.EnvironmentClass,
                    poolerProduct = report.PoolerProduct,
                    poolMode = report.PoolMode,
                    clientPoolSettings = report.ClientPoolSettings,
                    preparePolicy = report.PreparePolicy,
                    serverVersion = report.ServerVersion,
                    clients = report.Clients,
                    transactions = report.Transactions,
                    distinctBackends = report.DistinctBackends,
                    backendsSharedBetweenClients = report.BackendsSharedBetweenClients,
                    backendChangesBetweenTransactions = report.BackendChangesBetweenTransactions,
                    misattributions = report.Misattributions,
                    contextLeaks = report.ContextLeaks,
                    sessionStateLeaks = report.SessionStateLeaks,
                    markdown = report.ToMarkdown(),
                });
            }
            else
            {
                context.Out.Write(report.ToMarkdown());
            }

            if (!report.Safe)
            {
                context.Err.WriteLine("threadline: the actor bridge is NOT safe on this connection chain (see the problems above).");
            }

            return report.Safe ? ExitCodes.Success : ExitCodes.CheckFailed;
        });
        return command;
    }
}
