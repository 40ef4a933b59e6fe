namespace Threadline.MassTransit;

/// <summary>Message headers that carry the audit context from the publisher to the consumer.</summary>
public static class AuditHeaders
{
    /// <summary>The acting <see cref="ActorRef"/> in its JSON form, for example <c>{"type":"user","id":"42"}</c>.</summary>
    public const string Actor = "Threadline-Actor";
    /// <summary>The actor the work is done for, in JSON form; absent when the context has none.</summary>
    public const string OnBehalfOf = "Threadline-On-Behalf-Of";
    /// <summary>The request id of the operation that sent the message; absent when the context has none.</summary>
    public const string RequestId = "Threadline-Request-Id";
    /// <summary>The correlation id; without this header the consumer falls back to the message's own correlation id.</summary>
    public const string CorrelationId = "Threadline-Correlation-Id";
}
