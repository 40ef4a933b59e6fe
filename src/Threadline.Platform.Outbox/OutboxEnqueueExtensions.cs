using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Threadline.Platform.Outbox;

public static class OutboxEnqueueExtensions
{
    /// <summary>
    /// Adds <paramref name="message"/> to the outbox of the context's current unit of work: it is written by the same
    /// SaveChanges, in the same transaction as the change that implies it, so it commits or rolls back with that change.
    /// The audit context and the current trace context (the request's) are stored with it; the dispatcher publishes
    /// under both after the commit.
    /// </summary>
    public static OutboxMessage EnqueueOutboxMessage<T>(this DbContext db, T message, AuditContext? audit)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        var (traceParent, traceState) = OutboxTelemetry.CurrentContext();
        var row = new OutboxMessage
        {
            MessageType = OutboxMessageTypeName.Of(typeof(T)),
            Payload = JsonSerializer.Serialize(message),
            AuditContext = audit?.ToJson(),
            TraceParent = traceParent,
            TraceState = traceState,
        };
        db.Set<OutboxMessage>().Add(row);
        return row;
    }
}
