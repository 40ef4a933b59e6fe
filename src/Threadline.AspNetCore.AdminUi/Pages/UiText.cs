using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Threadline.Query;

namespace Threadline.AspNetCore.AdminUi.Pages;

/// <summary>How the investigation pages write times, keys, actors and values for a person.</summary>
internal static partial class UiText
{
    /// <summary>Full precision UTC, for <c>datetime</c> attributes and links (the audit trail stores microseconds).</summary>
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>What a person reads: UTC to the millisecond.</summary>
    public static string Display(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A row key as compact JSON, e.g. <c>{"id":42}</c>: the form the key filter takes.</summary>
    public static string Key(JsonElement? key) => key is { } k ? JsonSerializer.Serialize(k) : "";

    public static string Actor(string? type, string? id) => (type, id) switch
    {
        (null, _) => "unknown",
        (_, null or "") => type,
        _ => $"{type} {id}",
    };

    /// <summary>Which fields a change touched, in words.</summary>
    public static string Changed(string op, IReadOnlyList<string>? changedFields) => op switch
    {
        "insert" => "all (new row)",
        "delete" => "all (row deleted)",
        "truncate" => "all rows (table truncated)",
        _ when changedFields is { Count: > 0 } fields => string.Join(", ", fields),
        _ => "none recorded",
    };

    /// <summary>A stored value as text: strings as they are, everything else as JSON. Never called for masked values.</summary>
    public static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        _ => JsonSerializer.Serialize(value),
    };

    /// <summary>Times in the UI follow the API's rule: ISO 8601 with an offset (a '+' sent unencoded arrives as a space).</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var match = TimeWithOffset().Match(text.Trim());
        return match.Success
            && DateTimeOffset.TryParse(match.Groups[1].Value + match.Groups[2].Value.Replace(' ', '+'), CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>The HTTP status for a refused query: 400 when a parameter cannot be read, 422 when they make no sense together.</summary>
    public static int Status(AuditQueryException error) =>
        error.Error == AuditQueryError.Invalid ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest;

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)(Z|[ +-]\d{2}:\d{2})$")]
    private static partial Regex TimeWithOffset();
}
