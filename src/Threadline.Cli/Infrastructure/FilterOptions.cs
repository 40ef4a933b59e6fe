using System.CommandLine;
using Threadline.Query;

namespace Threadline.Cli;

/// <summary>
/// The audit filters as options (--table, --actor-type, ...) and as raw --filter name=value pairs, with the same names
/// and validation as the admin HTTP API (<see cref="AuditFilterParser"/>).
/// </summary>
internal sealed class FilterOptions
{
    private static readonly (string Parameter, string Option, string Description)[] Definitions =
    [
        ("schema", "--schema", "Schema of the changed table."),
        ("table", "--table", "Name of the changed table."),
        ("key", "--key", "The row's key as JSON, e.g. '{\"id\":42}' (needs --table)."),
        ("actorType", "--actor-type", "user, admin, service_account, job, system or anonymous."),
        ("actorId", "--actor-id", "The actor's id (needs --actor-type)."),
        ("onBehalfOfType", "--on-behalf-of-type", "Type of the actor on whose behalf the change was made."),
        ("onBehalfOfId", "--on-behalf-of-id", "Id of that actor (needs --on-behalf-of-type)."),
        ("op", "--op", "insert, update, delete, truncate, baseline; comma-separated."),
        ("from", "--from", "Captured at or after this ISO 8601 time with offset, e.g. 2026-11-27T14:00:00Z."),
        ("to", "--to", "Captured before this ISO 8601 time with offset (exclusive)."),
        ("correlationId", "--correlation-id", "Correlation id carried by the audit context."),
        ("requestId", "--request-id", "HTTP request id."),
        ("jobId", "--job-id", "Background job id."),
        ("traceId", "--trace-id", "W3C trace id."),
        ("actionId", "--action-id", "Changes in the same transaction as this recorded action."),
        ("actionName", "--action-name", "Changes in the same transaction as an action of this name."),
        ("transactionId", "--transaction-id", "Changes of this audit transaction id."),
    ];

    private readonly List<(string Parameter, Option<string?> Option)> _options = [];

    public FilterOptions()
    {
        foreach (var (parameter, option, description) in Definitions)
        {
            _options.Add((parameter, new Option<string?>(option) { Description = description, HelpName = "value" }));
        }

        Raw = Options.Repeated("--filter", "Any filter by its HTTP API name, name=value (repeatable), e.g. --filter actorType=user. Names: " + string.Join(", ", AuditFilterParser.FilterParameters) + ".", "name=value");
    }

    public Option<string[]> Raw { get; }

    /// <summary>How a filter parameter is given on the command line, for messages.</summary>
    public static string Describe(string parameter)
    {
        var definition = Definitions.FirstOrDefault(d => d.Parameter == parameter);
        return definition.Option is null ? $"'{parameter}'" : $"'{parameter}' ({definition.Option}, or --filter {parameter}=...)";
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options)
        {
            command.Options.Add(option);
        }

        command.Options.Add(Raw);
    }

    /// <summary>Parses the given filters; refuses unknown names, repeats and malformed values, naming the culprit.</summary>
    public AuditFilter Parse(CliContext context)
    {
        var pairs = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        foreach (var (parameter, option) in _options)
        {
            if (context.Value(option) is { } value)
            {
                Add(parameter, value);
            }
        }

        foreach (var text in context.Value(Raw) ?? [])
        {
            var (name, value) = Options.Pair("--filter", text, "actorType=user");
            if (!AuditFilterParser.FilterParameters.Contains(name))
            {
                throw new UsageException(
                    $"Unknown filter '{name}' in --filter {text}. Known filters: {string.Join(", ", AuditFilterParser.FilterParameters)} (names are case-sensitive).");
            }

            Add(name, value);
        }

        return AuditFilterParser.Parse(pairs.Select(p => new KeyValuePair<string, string?[]>(p.Key, [.. p.Value]))).Filter;

        void Add(string name, string value)
        {
            if (!pairs.TryGetValue(name, out var list))
            {
                pairs[name] = list = [];
            }

            list.Add(value);
        }
    }
}
