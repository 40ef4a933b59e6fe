namespace Threadline.IntegrationTests.Hostile;

/// <summary>What a response must look like: JSON API (problem details on every 4xx) or browser page (HTML).</summary>
public enum Surface
{
    Api,
    Ui,
}

/// <summary>One generated request against a running service, with what the platform's rules require of its answer.</summary>
public sealed record HostileCase(int Number, string Category, string Resource, string Method, string Target, string Description)
{
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    /// <summary>Bytes sent verbatim over a socket instead of through HttpClient.</summary>
    public byte[]? Raw { get; init; }

    /// <summary>What the caller's credentials grant for this request.</summary>
    public Grant Grant { get; init; }

    /// <summary>
    /// Kestrel may refuse the request at the protocol level (oversized line or headers, malformed framing) before the
    /// application runs; such a refusal is a bodiless 4xx, which is accepted only for these cases.
    /// </summary>
    public bool KestrelMayReject { get; init; }

    /// <summary>Statuses this case may answer with (null: any non-5xx allowed by the general rules).</summary>
    public IReadOnlySet<int>? Expected { get; init; }

    /// <summary>An extra check on the response: returns why it fails, or null.</summary>
    public Func<HostileResponse, string?>? Check { get; init; }

    public Surface Surface => PathOf(Target).StartsWith("/ui", StringComparison.OrdinalIgnoreCase) ? Surface.Ui : Surface.Api;

    public string Path => PathOf(Target);

    public override string ToString() =>
        $"#{Number} [{Category}] {Method} {Resource} {Shorten(Target, 160)} ({Shorten(Description, 200)})";

    public static string Shorten(string text, int max)
    {
        var visible = string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
        return visible.Length <= max ? visible : visible[..max] + $"…[{text.Length} chars]";
    }

    private static string PathOf(string target)
    {
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? target : target[..query];
    }
}

/// <summary>The status, media type, body text and redirect target of one response (Status 0: no HTTP response).</summary>
public sealed record HostileResponse(int Status, string? MediaType, string Body, string? Location, IReadOnlyList<string> Headers, string? Error)
{
    public TimeSpan Elapsed { get; init; }
}
