using System.Text;
using System.Text.Json;

namespace Threadline;

/// <summary>
/// Everything Threadline records about why a transaction happened: the actor, whom it acted for, and the ids
/// that tie the change to a request, a trace, a correlation and a job. Validated on construction.
/// </summary>
public sealed record AuditContext
{
    /// <summary>Longest accepted request, correlation, trace or job id, and source, in characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Creates a context for <paramref name="actor"/>; set the ids with the init properties, each validated on set.</summary>
    /// <param name="actor">Who acts; <see cref="ActorRef.Anonymous"/> when nobody is identified.</param>
    /// <exception cref="AuditContextException"><paramref name="actor"/> is <see langword="null"/>.</exception>
    public AuditContext(ActorRef actor)
    {
        Actor = actor ?? throw new AuditContextException("An audit context needs an actor; use ActorRef.Anonymous when there is none.");
    }

    /// <summary>Who performed the changes; recorded on every audit transaction written under this context.</summary>
    public ActorRef Actor { get; }

    /// <summary>The actor a job or service acts for, when it differs from <see cref="Actor"/>.</summary>
    public ActorRef? OnBehalfOf { get; init; }

    /// <summary>
    /// The id of the request that caused the changes (for example the X-Request-Id header); <see langword="null"/> for none. An empty string counts as none.
    /// </summary>
    /// <exception cref="AuditContextException">Set to a value longer than <see cref="MaxIdLength"/> or with a control character.</exception>
    public string? RequestId { get => _requestId; init => _requestId = Checked(value, "request id"); }

    /// <summary>
    /// The id that ties this operation to others of the same business flow, across services and messages; <see langword="null"/> for none. An empty string counts as none.
    /// </summary>
    /// <exception cref="AuditContextException">Set to a value longer than <see cref="MaxIdLength"/> or with a control character.</exception>
    public string? CorrelationId { get => _correlationId; init => _correlationId = Checked(value, "correlation id"); }

    /// <summary>
    /// The W3C trace id of the current activity, linking audit rows to distributed traces; <see langword="null"/> for none. An empty string counts as none.
    /// </summary>
    /// <exception cref="AuditContextException">Set to a value longer than <see cref="MaxIdLength"/> or with a control character.</exception>
    public string? TraceId { get => _traceId; init => _traceId = Checked(value, "trace id"); }

    /// <summary>
    /// The id of the job or consumed message that wrote; <see langword="null"/> for none. An empty string counts as none.
    /// </summary>
    /// <exception cref="AuditContextException">Set to a value longer than <see cref="MaxIdLength"/> or with a control character.</exception>
    public string? JobId { get => _jobId; init => _jobId = Checked(value, "job id"); }

    /// <summary>The subsystem that wrote, for example <c>http</c> or <c>job</c>.</summary>
    public string? Source { get => _source; init => _source = Checked(value, "source"); }

    private readonly string? _requestId;
    private readonly string? _correlationId;
    private readonly string? _traceId;
    private readonly string? _jobId;
    private readonly string? _source;

    private static string? Checked(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        AuditText.Validate(value, what, MaxIdLength);
        return value;
    }

    /// <summary>The JSON the bridge hands to PostgreSQL in <c>threadline.context</c>; keys in a fixed order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("actor");
            Actor.WriteTo(writer);
            if (OnBehalfOf is not null)
            {
                writer.WritePropertyName("on_behalf_of");
                OnBehalfOf.WriteTo(writer);
            }

            WriteOptional(writer, "request_id", RequestId);
            WriteOptional(writer, "correlation_id", CorrelationId);
            WriteOptional(writer, "trace_id", TraceId);
            WriteOptional(writer, "job_id", JobId);
            WriteOptional(writer, "source", Source);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses the JSON form written by <see cref="ToJson"/>; throws <see cref="AuditContextException"/> when malformed.</summary>
    public static AuditContext Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new AuditContextException("The audit context is not valid JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("actor", out var actorElement))
            {
                throw new AuditContextException("The audit context must be a JSON object with an \"actor\".");
            }

            var context = new AuditContext(ActorRef.FromJson(actorElement));
            foreach (var property in root.EnumerateObject())
            {
                context = property.Name switch
                {
                    "actor" => context,
                    "on_behalf_of" => context with { OnBehalfOf = property.Value.ValueKind == JsonValueKind.Null ? null : ActorRef.FromJson(property.Value) },
                    "request_id" => context with { RequestId = ReadString(property) },
                    "correlation_id" => context with { CorrelationId = ReadString(property) },
                    "trace_id" => context with { TraceId = ReadString(property) },
                    "job_id" => context with { JobId = ReadString(property) },
                    "source" => context with { Source = ReadString(property) },
                    _ => throw new AuditContextException($"The audit context has an unknown property \"{property.Name}\"."),
                };
            }

            return context;
        }
    }

    private static string? ReadString(JsonProperty property) => property.Value.ValueKind switch
    {
        JsonValueKind.String => property.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new AuditContextException($"The audit context's \"{property.Name}\" must be a string."),
    };

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
