using System.CommandLine;
using System.Globalization;
using Threadline.Operations;

namespace Threadline.Cli.Commands;

/// <summary>threadline retention purge: dry run by default; --execute deletes in bounded batches.</summary>
internal static class RetentionCommands
{
    private static readonly TimeSpan ShortestWindow = TimeSpan.FromHours(1);

    public static Command Build(CliApplication app)
    {
        var retention = new Command("retention", "Apply a retention policy to the audit trail: delete changes, transactions and actions older than their window.");
        retention.Subcommands.Add(Purge(app));
        app.SetExamples(retention, """
              threadline retention purge --window 90d
              threadline retention purge --window 90d --table-window public.sessions=7d --execute
            """);
        return retention;
    }

    private static Command Purge(CliApplication app)
    {
        var window = Options.Duration("--window", "Keep audit rows this long (the default window for every table), e.g. 90d. At least 1h.");
        window.Required = true;
        var tableWindows = Options.Repeated("--table-window", "A different window for one table: schema.table=duration, e.g. public.sessions=7d (repeatable).", "schema.table=duration");
        var actionWindow = Options.Duration("--action-window", "Keep recorded actions this long (default: --window).");
        var batchSize = Options.WholeNumber("--batch-size", "Rows deleted per batch, each batch its own short transaction (default 5,000).", 1, 100_000);
        var maxBatches = Options.WholeNumber("--max-batches", "Stop after this many batches; the rest waits for the next run.", 1, int.MaxValue);
        var maxDuration = Options.Duration("--max-duration", "Stop starting new batches after this long, e.g. 10m; the rest waits for the next run.");
        var pause = Options.Duration("--pause", "Pause between batches, to leave room for the application on a busy database, e.g. 200ms.");
        var execute = new Option<bool>("--execute") { Description = "Really delete. Without it the purge is a DRY RUN that only counts what would be deleted." };
        var asOf = Options.Time("--as-of", "(advanced) The purge's \"now\", ISO 8601 with offset; default: the database's now(). Pass the time a dry run printed to execute exactly what it counted; a later time makes younger rows old enough (tests, rehearsals).");
        var command = new Command("purge", """
            Delete audit rows older than their retention window. DRY RUN BY DEFAULT: it counts exactly what an
            executed run would delete (per table, with the same predicates) and deletes nothing; add --execute to
            delete. An executed run deletes in bounded batches, each its own short transaction (changes first, then
            transactions left without changes, then actions), reports progress per batch on standard error, and
            prints a summary. Run it as a role in the threadline_retention group.
            """)
        { window, tableWindows, actionWindow, batchSize, maxBatches, maxDuration, pause, execute, asOf };
        app.SetExamples(command, """
              threadline retention purge --window 90d                          # dry run: what would go?
              threadline retention purge --window 90d --execute                # delete it
              threadline retention purge --window 365d --table-window public.sessions=30d --action-window 730d
              threadline retention purge --window 90d --execute --max-duration 10m --batch-size 2000 --pause 100ms
              threadline retention purge --window 90d --execute --as-of 2026-11-27T02:00:00Z   # exactly what that dry run counted
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var defaultWindow = Check("--window", context.Value(window) ?? throw new UsageException("--window is required, e.g. --window 90d."));
            var perTable = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
            foreach (var text in context.Value(tableWindows) ?? [])
            {
                var (table, duration) = Options.Pair("--table-window", text, "public.sessions=7d");
                Options.QualifiedTable("--table-window", table);
                if (!Durations.TryParse(duration, out var value))
                {
                    throw new UsageException($"Invalid duration '{duration}' for --table-window {table}: write {Durations.Syntax}.");
                }

                if (!perTable.TryAdd(table, Check($"--table-window {table}", value)))
                {
                    throw new UsageException($"--table-window names {table} twice.");
                }
            }

            var policy = new RetentionPolicy(defaultWindow)
            {
                TableWindows = perTable,
                ActionWindow = context.Value(actionWindow) is { } actions ? Check("--action-window", actions) : null,
            };
            policy.Validate();
            var limits = new PurgeLimits
            {
                BatchSize = context.Value(batchSize) ?? 5_000,
                MaxBatches = context.Value(maxBatches),
                MaxDuration = context.Value(maxDuration),
                PauseBetweenBatches = context.Value(pause) ?? TimeSpan.Zero,
            };
            var executing = context.Value(execute);
            var at = context.Value(asOf);

            await using var db = await context.OpenAuditAsync(cancellationToken);
            if (at is { } future && future > DateTimeOffset.UtcNow.AddMinutes(1))
            {
                context.Err.WriteLine(
                    $"threadline: warning: --as-of {future.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} is in the future: rows are judged as if it were that time, so rows younger than their window {(executing ? "WILL BE DELETED" : "are counted")}.");
            }

            if (!executing)
            {
                context.Err.WriteLine("*** DRY RUN: nothing will be deleted. Add --execute to delete. ***");
            }
            else
            {
                context.Err.WriteLine($"Purging audit rows older than their window, in batches of {limits.BatchSize.ToString("N0", CultureInfo.InvariantCulture)}...");
            }

            var summary = await new RetentionPurger(context.AuditSchema).PurgeAsync(db, policy, executing, limits, at, progress =>
            {
                context.Err.WriteLine(
                    $"  batch {progress.Batches}: {N(progress.Changes)} changes, {N(progress.Transactions)} transactions, {N(progress.Actions)} actions deleted so far ({progress.Duration.TotalSeconds:0.0}s)");
                context.Err.Flush();
            }, cancellationToken);

            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = true,
                    dryRun = !summary.Executed,
                    executed = summary.Executed,
                    asOf = summary.AsOf,
                    policy = new
                    {
                        window = Durations.Format(policy.DefaultWindow),
                        tableWindows = policy.TableWindows.ToDictionary(p => p.Key, p => Durations.Format(p.Value)),
                        actionWindow = Durations.Format(policy.ActionWindow ?? policy.DefaultWindow),
                    },
                    changes = summary.Changes,
                    changesByTable = summary.ChangesByTable,
                    transactions = summary.Transactions,
                    actions = summary.Actions,
                    batches = summary.Batches,
                    durationSeconds = Math.Round(summary.Duration.TotalSeconds, 3),
                    complete = summary.Complete,
                });
                return ExitCodes.Success;
            }

            var output = context.Out;
            var asOfText = summary.AsOf.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
            if (!summary.Executed)
            {
                output.WriteLine("*** DRY RUN: nothing was deleted. ***");
            }

            output.WriteLine($"As of {asOfText}: default window {Durations.Format(policy.DefaultWindow)} (older than {Cutoff(summary.AsOf, policy.DefaultWindow)}), actions {Durations.Format(policy.ActionWindow ?? policy.DefaultWindow)}.");
            foreach (var (table, value) in policy.TableWindows.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"  {table}: window {Durations.Format(value)} (older than {Cutoff(summary.AsOf, value)})");
            }

            output.WriteLine(summary.Executed ? "Deleted:" : "Would delete:");
            foreach (var (table, count) in summary.ChangesByTable.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"  {N(count),12}  changes of {table}");
            }

            output.WriteLine($"  {N(summary.Changes),12}  changes in all");
            output.WriteLine($"  {N(summary.Transactions),12}  transactions{(summary.Executed ? "" : " (whose every change would go)")}");
            output.WriteLine($"  {N(summary.Actions),12}  actions");
            if (summary.Executed)
            {
                output.WriteLine(summary.Complete
                    ? $"Done in {summary.Batches} batch{(summary.Batches == 1 ? "" : "es")}, {summary.Duration.TotalSeconds:0.0}s."
                    : $"Stopped early by --max-batches or --max-duration after {summary.Batches} batches ({summary.Duration.TotalSeconds:0.0}s); run again to delete the rest.");
            }
            else
            {
                output.WriteLine("DRY RUN - nothing was deleted. To delete exactly these rows, run the same command with:");
                output.WriteLine($"  --execute --as-of {asOfText}");
            }

            return ExitCodes.Success;
        });
        return command;

        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

        static string Cutoff(DateTimeOffset asOf, TimeSpan window) => (asOf - window).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static TimeSpan Check(string option, TimeSpan window) =>
        window >= ShortestWindow
            ? window
            : throw new UsageException($"{option} is {Durations.Format(window)}; the shortest retention window is 1h, so a typo cannot purge live history.");
}
