using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Threadline.Cli.Commands;

namespace Threadline.Cli;

/// <summary>Builds the command tree, parses, reports usage errors (exit 2) and runs the chosen command.</summary>
internal sealed class CliApplication
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly CliEnvironment _environment;
    private readonly Dictionary<Command, string> _examples = [];

    public CliApplication(TextWriter output, TextWriter error, CliEnvironment environment)
    {
        _output = output;
        _error = error;
        _environment = environment;
        Connection = new Option<string?>("--connection")
        {
            Description = $"Npgsql connection string; default: the {CliEnvironment.ConnectionVariable} environment variable. Use a direct PostgreSQL connection for DDL (schema, capture, continuity).",
            HelpName = "connection-string",
            Recursive = true,
        };
        AuditSchema = AuditSchemaOption.Create();
        Json = new Option<bool>("--json") { Description = "Write one JSON document to standard output instead of text (errors too: {\"ok\":false,...}).", Recursive = true };
    }

    public Option<string?> Connection { get; }

    public Option<string?> AuditSchema { get; }

    public Option<bool> Json { get; }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            return ReportUsageErrors(parse);
        }

        var configuration = new InvocationConfiguration
        {
            Output = _output,
            Error = _error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = _environment.HandleTermination ? TimeSpan.FromSeconds(5) : null,
        };
        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _error.WriteLine("threadline: interrupted.");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>Wraps a command body: builds its context and turns every expected failure into a message and an exit code.</summary>
    public void SetHandler(Command command, Func<CliContext, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(this, parse, _output, _error, _environment);
            try
            {
                return await body(context, cancellationToken);
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, context);
            }
            finally
            {
                await _output.FlushAsync(CancellationToken.None);
                await _error.FlushAsync(CancellationToken.None);
            }
        });

    /// <summary>Examples shown at the end of the command's --help.</summary>
    public void SetExamples(Command command, string examples) => _examples[command] = examples;

    /// <summary>The parse errors of a command line, without running it: lets tests keep documented commands honest.</summary>
    internal static IReadOnlyList<string> ParseErrors(string[] args)
    {
        var application = new CliApplication(TextWriter.Null, TextWriter.Null, new CliEnvironment(_ => null, () => Stream.Null));
        return application.BuildRoot().Parse(args).Errors.Select(e => e.Message).ToArray();
    }

    /// <summary>Every command that runs something, as its path of names (tests check options that every command takes).</summary>
    internal static IReadOnlyList<string[]> RunnableCommands()
    {
        var application = new CliApplication(TextWriter.Null, TextWriter.Null, new CliEnvironment(_ => null, () => Stream.Null));
        var paths = new List<string[]>();
        Collect(application.BuildRoot(), []);
        return paths;

        void Collect(Command command, string[] path)
        {
            if (command.Action is not null && path.Length > 0)
            {
                paths.Add(path);
            }

            foreach (var sub in command.Subcommands)
            {
                Collect(sub, [.. path, sub.Name]);
            }
        }
    }

    private Command BuildRoot()
    {
        var root = new Command("threadline", """
            Threadline: PostgreSQL row-change audit capture, from the command line.

            Install the audit schema, turn capture on and off per table, prove that every table that must be audited
            is, prove that the connection chain (PgBouncer included) keeps actors apart, purge old audit rows by policy,
            seal the audit trail and verify it against tampering, and export the audit trail.
            """);
        root.Options.Add(new HelpOption());
        root.Options.Add(ToolVersion.CreateOption());
        root.Options.Add(Connection);
        root.Options.Add(AuditSchema);
        root.Options.Add(Json);
        root.Subcommands.Add(SchemaCommands.Build(this));
        root.Subcommands.Add(CaptureCommands.Build(this));
        root.Subcommands.Add(VerifyCommands.Build(this));
        root.Subcommands.Add(RetentionCommands.Build(this));
        root.Subcommands.Add(IntegrityCommands.Seal(this));
        root.Subcommands.Add(ExportCommand.Build(this));
        root.Subcommands.Add(ContinuityCommands.Build(this));
        SetExamples(root, """
              threadline schema install --connection "Host=db;Database=app;Username=owner"
              export THREADLINE_CONNECTION="Host=db;Database=app;Username=owner"
              threadline capture enable --table orders --mask card_number
              threadline verify coverage --require-schema public --expect-uncovered public.sessions="rebuilt nightly"
              threadline retention purge --window 90d            # dry run: counts only
              threadline export --table orders --from 2026-11-01T00:00:00Z --format csv --out orders.csv
            """);

        foreach (var option in root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction inner)
            {
                help.Action = new ExtendedHelpAction(inner, _examples);
            }
        }

        return root;
    }

    private int ReportUsageErrors(ParseResult parse)
    {
        foreach (var error in parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal))
        {
            _error.WriteLine($"threadline: {error}");
        }

        var command = parse.CommandResult.Command;
        if (command.Action is null && command.Subcommands.Count > 0)
        {
            _error.WriteLine($"Commands of '{CommandPath(parse.CommandResult)}': {string.Join(", ", command.Subcommands.Select(c => c.Name))}.");
        }

        _error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage and examples.");
        if (parse.GetValue(Json))
        {
            _output.WriteLine(CliContext.ToJson(new { ok = false, exitCode = ExitCodes.Usage, error = string.Join(" ", parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)) }));
        }

        return ExitCodes.Usage;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult command)
            {
                names.Push(command.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>The default help, then the command's examples and the exit codes.</summary>
    private sealed class ExtendedHelpAction(HelpAction inner, IReadOnlyDictionary<Command, string> examples) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            var output = parseResult.InvocationConfiguration.Output;
            if (examples.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                output.WriteLine("Examples:");
                output.WriteLine(text.TrimEnd());
                output.WriteLine();
            }

            output.WriteLine(ExitCodes.HelpText.TrimEnd());
            output.WriteLine();
            output.WriteLine($"Environment: {CliEnvironment.ConnectionVariable} is the connection string when --connection is not given, {CliEnvironment.AuditSchemaVariable} the audit schema when {AuditSchemaOption.Name} is not given. Full guide: docs/cli.md.");
            return 0;
        }
    }
}
