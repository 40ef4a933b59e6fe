using System.Text.Json;

namespace Threadline;

/// <summary>The kinds of actor Threadline records. The JSON form uses the snake_case names.</summary>
public enum ActorType
{
    /// <summary>A person using the application; <c>user</c> on the wire.</summary>
    User,
    /// <summary>A person acting with administrative rights; <c>admin</c>.</summary>
    Admin,
    /// <summary>Another service calling with its own identity; <c>service_account</c>.</summary>
    ServiceAccount,
    /// <summary>A background job or message consumer, usually with an on-behalf-of actor; <c>job</c>.</summary>
    Job,
    /// <summary>The application itself (migrations, scheduled maintenance); <c>system</c>.</summary>
    System,
    /// <summary>Nobody identified (an unauthenticated request); <c>anonymous</c>, the only type without an id.</summary>
    Anonymous,
}

/// <summary>
/// Who performed a change: a typed, validated actor reference with a stable JSON form
/// <c>{"type":"user","id":"42"}</c> (anonymous actors have no id).
/// </summary>
public sealed record ActorRef
{
    /// <summary>Longest accepted id, in characters.</summary>
    public const int MaxIdLength = 256;

    private ActorRef(ActorType type, string? id)
    {
        Type = type;
        Id = id;
    }

    /// <summary>The kind of actor; stored in the audit rows as its wire name (<see cref="TypeName"/>).</summary>
    public ActorType Type { get; }

    /// <summary>The actor's id; null only for <see cref="ActorType.Anonymous"/>.</summary>
    public string? Id { get; }

    /// <summary>The one anonymous actor: recorded as <c>{"type":"anonymous"}</c>, still an actor, unlike a missing context.</summary>
    public static ActorRef Anonymous { get; } = new(ActorType.Anonymous, null);

    /// <summary>Creates a user actor with <paramref name="id"/>.</summary>
    /// <param name="id">The actor's stable id, at most <see cref="MaxIdLength"/> characters without control characters.</param>
    /// <returns>The validated actor.</returns>
    /// <exception cref="AuditContextException">The id is empty, too long or contains a control character.</exception>
    public static ActorRef User(string id) => Create(ActorType.User, id);
    /// <summary>Creates an administrator actor with <paramref name="id"/>.</summary>
    /// <param name="id">The actor's stable id, at most <see cref="MaxIdLength"/> characters without control characters.</param>
    /// <returns>The validated actor.</returns>
    /// <exception cref="AuditContextException">The id is empty, too long or contains a control character.</exception>
    public static ActorRef Admin(string id) => Create(ActorType.Admin, id);
    /// <summary>Creates a service account actor with <paramref name="id"/>.</summary>
    /// <param name="id">The actor's stable id, at most <see cref="MaxIdLength"/> characters without control characters.</param>
    /// <returns>The validated actor.</returns>
    /// <exception cref="AuditContextException">The id is empty, too long or contains a control character.</exception>
    public static ActorRef ServiceAccount(string id) => Create(ActorType.ServiceAccount, id);
    /// <summary>Creates a job actor with <paramref name="id"/>.</summary>
    /// <param name="id">The actor's stable id, at most <see cref="MaxIdLength"/> characters without control characters.</param>
    /// <returns>The validated actor.</returns>
    /// <exception cref="AuditContextException">The id is empty, too long or contains a control character.</exception>
    public static ActorRef Job(string id) => Create(ActorType.Job, id);
    /// <summary>Creates the system actor with <paramref name="id"/>.</summary>
    /// <param name="id">The actor's stable id, at most <see cref="MaxIdLength"/> characters without control characters.</param>
    /// <returns>The validated actor.</returns>
    /// <exception cref="AuditContextException">The id is empty, too long or contains a control character.</exception>
    public static ActorRef System(string id) => Create(ActorType.System, id);

    /// <summary>Creates an actor, throwing <see cref="AuditContextException"/> when the id is missing or malformed.</summary>
    public static ActorRef Create(ActorType type, string? id)
    {
        if (!Enum.IsDefined(type))
        {
            throw new AuditContextException($"Unknown actor type {(int)type}.");
        }

        if (type == ActorType.Anonymous)
        {
            if (!string.IsNullOrEmpty(id))
            {
                throw new AuditContextException("An anonymous actor has no id; use ActorRef.Anonymous.");
            }

            return Anonymous;
        }

        if (string.IsNullOrWhiteSpace(id))
        {
            throw new AuditContextException($"An actor of type '{TypeName(type)}' needs a non-empty id.");
        }

        AuditText.Validate(id, $"{TypeName(type)} actor id", MaxIdLength);
        return new ActorRef(type, id);
    }

    /// <summary>The wire name of an actor type: user, admin, service_account, job, system, anonymous.</summary>
    public static string TypeName(ActorType type) => type switch
    {
        ActorType.User => "user",
        ActorType.Admin => "admin",
        ActorType.ServiceAccount => "service_account",
        ActorType.Job => "job",
        ActorType.System => "system",
        ActorType.Anonymous => "anonymous",
        _ => throw new AuditContextException($"Unknown actor type {(int)type}."),
    };

    /// <summary>Parses a wire type name; the match is exact (lower case).</summary>
    public static bool TryParseType(string? name, out ActorType type)
    {
        switch (name)
        {
            case "user": type = ActorType.User; return true;
            case "admin": type = ActorType.Admin; return true;
            case "service_account": type = ActorType.ServiceAccount; return true;
            case "job": type = ActorType.Job; return true;
            case "system": type = ActorType.System; return true;
            case "anonymous": type = ActorType.Anonymous; return true;
            default: type = default; return false;
        }
    }

    /// <summary>Parses the JSON form. Throws <see cref="AuditContextException"/> with the reason when it is not valid.</summary>
    public static ActorRef Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return FromJson(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new AuditContextException("The actor is not valid JSON.", ex);
        }
    }

    /// <summary>Parses the JSON form without throwing; <paramref name="error"/> says why it failed.</summary>
    public static bool TryParse(string? json, out ActorRef? actor, out string? error)
    {
        actor = null;
        error = null;
        if (json is null)
        {
            error = "The actor is missing.";
            return false;
        }

        try
        {
            actor = Parse(json);
            return true;
        }
        catch (AuditContextException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    internal static ActorRef FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new AuditContextException("The actor must be a JSON object with a \"type\" and, unless anonymous, an \"id\".");
        }

        string? typeName = null;
        string? id = null;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "type":
                    typeName = property.Value.ValueKind == JsonValueKind.String
                        ? property.Value.GetString()
                        : throw new AuditContextException("The actor's \"type\" must be a string.");
                    break;
                case "id":
                    id = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new AuditContextException("The actor's \"id\" must be a string (stringify numeric ids)."),
                    };
                    break;
                default:
                    throw new AuditContextException($"The actor has an unknown property \"{property.Name}\".");
            }
        }

        if (!TryParseType(typeName, out var type))
        {
            throw new AuditContextException(
                $"Unknown actor type \"{typeName ?? "(none)"}\"; expected one of user, admin, service_account, job, system, anonymous.");
        }

        return Create(type, id);
    }

    /// <summary>The stable JSON form: <c>{"type":"user","id":"42"}</c>, or <c>{"type":"anonymous"}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return global::System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("type", TypeName(Type));
        if (Id is not null)
        {
            writer.WriteString("id", Id);
        }

        writer.WriteEndObject();
    }

    /// <summary>A short readable form for logs and messages: <c>user:42</c>, or <c>anonymous</c>.</summary>
    public override string ToString() => Id is null ? TypeName(Type) : $"{TypeName(Type)}:{Id}";
}
