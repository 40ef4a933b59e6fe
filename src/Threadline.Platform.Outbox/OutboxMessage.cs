namespace Threadline.Platform.Outbox;

/// <summary>
/// A message written in the same transaction as the change that implies it; the dispatcher publishes it after the
/// commit and marks it. A crash between commit and publish leaves the row for the next dispatch: nothing is lost.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>Also the bus message id, so a republished message is recognised by idempotent consumers.</summary>
    public Guid MessageId { get; set; } = Guid.NewGuid();

    /// <summary>The message's CLR type name, resolved by the dispatcher among its registered types.</summary>
    public required string MessageType { get; set; }

    public required string Payload { get; set; }

    /// <summary>The audit context of the writing request (Threadline JSON), restored when publishing.</summary>
    public string? AuditContext { get; set; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the span that wrote the row (the request), so the dispatcher's publish and the
    /// consumer's work continue the request's trace instead of starting one of their own.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>, when there is one.</summary>
    public string? TraceState { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    /// <summary>The posts-api instance (its service.instance.id) whose dispatcher published and marked the row.</summary>
    public string? DispatchedBy { get; set; }
}
