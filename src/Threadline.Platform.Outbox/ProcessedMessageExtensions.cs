using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Threadline.Platform.Outbox;

public static class ProcessedMessageExtensions
{
    /// <summary>
    /// Records that <paramref name="consumer"/> applies message <paramref name="messageId"/>, in the caller's open
    /// transaction. Returns false when the message was already recorded (a redelivery): the caller then changes
    /// nothing. Because the record commits or rolls back with the consumer's effect, the effect is applied once.
    /// </summary>
    public static async Task<bool> TryRecordProcessedMessageAsync(this DatabaseFacade database, Guid messageId, string consumer, string? processedBy, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        if (database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Record a processed message inside the transaction that applies its effect (BeginTransactionAsync first).");
        }

        var inserted = await database.ExecuteSqlAsync(
            $"INSERT INTO processed_messages (message_id, consumer, processed_by) VALUES ({messageId}, {consumer}, {processedBy}) ON CONFLICT (message_id) DO NOTHING",
            cancellationToken);
        return inserted == 1;
    }
}
