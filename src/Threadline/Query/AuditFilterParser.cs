using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Threadline.Query;

/// <summary>A filter with its paging, as parsed from a query string.</summary>
/// <param name="Filter">Which changes.</param>
/// <param name="Cursor">Where to continue; <see langword="null"/> for the first page.</param>
/// <param name="Limit">The page size.</param>
/// <param name="Order">Newest or oldest first.</param>
/// <param name="Extras">The values of the caller's own parameters, by name.</param>
public sealed record AuditQuery(AuditFilter Filter, AuditCursor? Cursor, int Limit, AuditOrder Order, IReadOnlyDictionary<string, string> Extras);

/// <summary>
/// Parses query-string pairs into an <see cref="AuditQuery"/>, refusing unknown, repeated and malformed parameters
/// with an <see cref="AuditQueryException"/> that names the parameter, before any SQL runs. The same parameter names
/// serve the admin API, the CLI and the web UI.
/// </summary>
public static partial class AuditFilterParser
{
    /// <summary>The page size when the query gives no <c>limit</c>.</summary>
    public const int DefaultLimit = 50;
    /// <summary>The largest accepted <c>limit</c>.</summary>
    public const int MaxLimit = 500;

    /// <summary>The filter parameter names, each mapping to one <see cref="AuditFilter"/> property (names are case-sensitive).</summary>
    public static IReadOnlyList<string> FilterParameters { get; } =
    [
        "schema", "table", "key", "actorType", "actorId", "onBehalfOfType", "onBehalfOfId", "op", "from", "to",
        "correlationId", "requestId", "jobId", "traceId", "actionId", "actionName", "transactionId",
    ];

    /// <summary>The paging parameter names: <c>cursor</c>, <c>limit</c> and <c>order</c> (<c>desc</c>, the default, or <c>asc</c>).</summary>
    public static IReadOnlyList<string> PagingParameters { get; } = ["cursor", "limit", "order"];

    /// <summary>Parses query-string pairs (filter, paging and the caller's extra parameters) into a query; no SQL runs.</summary>
    /// <param name="pairs">Each parameter with all its values (a repeated parameter is refused).</param>
    /// <param name="extraParameters">Parameters the caller handles itself (for example export's <c>format</c>); returned in <see cref="AuditQuery.Extras"/>.</param>
    /// <returns>The filter, cursor, limit and order, and the values of the extra parameters.</returns>
    /// <exception cref="AuditQueryException">
    /// A parameter is unknown, repeated or malformed (<see cref="AuditQueryError.Malformed"/>), or the parameters contradict
    /// each other, such as <c>key</c> without <c>table</c> (<see cref="AuditQueryError.Invalid"/>); the exception names it.
    /// </exception>
    public static AuditQuery Parse(IEnumerable<KeyValuePair<string, string?[]>> pairs, IReadOnlyCollection<string>? extraParameters = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var extras = extraParameters ?? [];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, all) in pairs)
        {
            if (!FilterParameters.Contains(name) && !PagingParameters.Contains(name) && !extras.Contains(name))
            {
                throw Malformed(name, $"Unknown parameter '{AuditText.Truncate(name)}'. Known: {string.Join(", ", FilterParameters.Concat(PagingParameters).Concat(extras))} (names are case-sensitive).");
            }

            if (all.Length != 1 || all[0] is null)
            {
                throw Malformed(name, $"Give '{name}' exactly once.");
            }

            values[name] = all[0]!;
        }

        string? Text(string name) => values.TryGetValue(name, out var v) ? Bounded(name, v) : null;

        var filter = new AuditFilter
        {
            Schema = Text("schema"),
            Table = Text("table"),
            RowKey = values.TryGetValue("key", out var key) ? ParseKey(key) : null,
            ActorType = Text("actorType"),
            ActorId = Text("actorId"),
            OnBehalfOfType = Text("onBehalfOfType"),
            OnBehalfOfId = Text("onBehalfOfId"),
            Operations = values.TryGetValue("op", out var op) ? op.Split(',', StringSplitOptions.TrimEntries) : null,
            From = Time(values, "from"),
            To = Time(values, "to"),
            CorrelationId = Text("correlationId"),
            RequestId = Text("requestId"),
            JobId = Text("jobId"),
            TraceId = Text("traceId"),
            ActionId = Id(values, "actionId"),
            ActionName = Text("actionName"),
            TransactionId = Id(values, "transactionId"),
        };
        Validate(filter);

        var limit = DefaultLimit;
        if (values.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            throw Malformed("limit", $"'limit' must be a whole number from 1 to {MaxLimit}.");
        }

        var order = values.GetValueOrDefault("order") switch
        {
            null or "desc" => AuditOrder.NewestFirst,
            "asc" => AuditOrder.OldestFirst,
            _ => throw Malformed("order", "'order' is 'desc' (newest first, the default) or 'asc'."),
        };

        var cursor = values.TryGetValue("cursor", out var cursorText) ? AuditCursor.Decode(cursorText) : null;
        var extraValues = extras.Where(values.ContainsKey).ToDictionary(e => e, e => values[e], StringComparer.Ordinal);
        return new AuditQuery(filter, cursor, limit, order, extraValues);
    }

    /// <summary>Checks a filter built in code the same way; the reader calls this before any SQL.</summary>
    public static void Validate(AuditFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.RowKey is not null && filter.Table is null)
        {
            throw Invalid("key", "'key' needs 'table': a key identifies a row only within its table.");
        }

        if (filter.ActorId is not null && filter.ActorType is null)
        {
            throw Invalid("actorId", "'actorId' needs 'actorType' (user, admin, service_account, job, system, anonymous).");
        }

        if (filter.OnBehalfOfId is not null && filter.OnBehalfOfType is null)
        {
            throw Invalid("onBehalfOfId", "'onBehalfOfId' needs 'onBehalfOfType'.");
        }

        foreach (var (name, type) in new[] { ("actorType", filter.ActorType), ("onBehalfOfType", filter.OnBehalfOfType) })
        {
            if (type is not null && !ActorRef.TryParseType(type, out _))
            {
                throw Malformed(name, $"'{AuditText.Truncate(type)}' is not an actor type; use user, admin, service_account, job, system or anonymous.");
            }
        }

        if (filter.Operations is { } ops)
        {
            var unknown = ops.Where(o => o is not ("insert" or "update" or "delete" or "truncate" or "baseline")).ToArray();
            if (ops.Count == 0 || unknown.Length > 0)
            {
                throw Malformed("op", $"'op' takes insert, update, delete, truncate and baseline, comma-separated; got '{AuditText.Truncate(string.Join(",", unknown))}'.");
            }
        }

        if (filter.From is { } from && filter.To is { } to && from >= to)
        {
            throw Invalid("from", "'from' must be before 'to' (from is inclusive, to exclusive).");
        }
    }

    private static string Bounded(string name, string value)
    {
        if (value.Length is 0 or > 256 || value.Any(char.IsControl))
        {
            throw Malformed(name, $"'{name}' must be 1 to 256 characters with no control characters.");
        }

        return value;
    }

    private static JsonObject ParseKey(string value)
    {
        try
        {
            if (JsonNode.Parse(value) is JsonObject key && key.Count > 0 && key.All(p => StorableName(p.Key) && p.Value is JsonValue v && Storable(v)))
            {
                return key;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Unpaired surrogates surface as InvalidOperationException when the string is read.
        }

        throw Malformed("key", "'key' is the row's key as a JSON object of its key columns with their natural types, e.g. {\"id\":42} or {\"tenant\":\"a\",\"n\":3}; strings without NUL, numbers PostgreSQL can hold.");
    }

    private static bool StorableName(string name) => name.Length is > 0 and <= 63 && !name.Contains('\0', StringComparison.Ordinal);

    /// <summary>Only what a jsonb key can hold: no NUL or unpaired surrogate in text, no number outside numeric's range.</summary>
    private static bool Storable(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>() is var text && text.Length <= 256 && !text.Contains('\0', StringComparison.Ordinal) && !HasUnpairedSurrogate(text),
        JsonValueKind.Number => StorableNumber().IsMatch(value.ToJsonString()),
        JsonValueKind.True or JsonValueKind.False => true,
        _ => false,
    };

    private static bool HasUnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static DateTimeOffset? Time(Dictionary<string, string> values, string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }

        // An offset is required: a time without one would silently mean the server's zone. An unencoded '+' in a
        // query string arrives as a space, so a space before the offset is read as '+'.
        var match = TimeWithOffset().Match(text);
        if (match.Success
            && DateTimeOffset.TryParse(match.Groups[1].Value + match.Groups[2].Value.Replace(' ', '+'), CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        throw Malformed(name, $"'{name}' must be an ISO 8601 time with an offset, e.g. 2026-11-27T14:00:00Z.");
    }

    private static long? Id(Dictionary<string, string> values, string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw Malformed(name, $"'{name}' must be a positive whole number.");
    }

    private static AuditQueryException Malformed(string parameter, string message) => new(AuditQueryError.Malformed, parameter, message);

    private static AuditQueryException Invalid(string parameter, string message) => new(AuditQueryError.Invalid, parameter, message);

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)(Z|[ +-]\d{2}:\d{2})$")]
    private static partial Regex TimeWithOffset();

    [GeneratedRegex(@"^-?\d{1,100}(\.\d{1,100})?([eE][+-]?\d{1,3})?$")]
    private static partial Regex StorableNumber();
}
