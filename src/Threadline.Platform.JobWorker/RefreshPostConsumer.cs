using MassTransit;
using Microsoft.EntityFrameworkCore;
using Threadline.EntityFrameworkCore;
using Threadline.Platform.Outbox;
using Threadline.Platform.Posts;

namespace Threadline.Platform.JobWorker;

/// <summary>
/// The audited job path: refreshes a post's derived fields through PgBouncer. The audit context (original actor,
/// correlation id, this message as the job) is restored by Threadline's consume filter, and the EF Core
/// interceptor stamps it into the transaction, which also records the posts.refresh action.
/// </summary>
public sealed class RefreshPostConsumer(PostsDbContext db, ServiceInstance instance, ILogger<RefreshPostConsumer> logger) : IConsumer<PostChanged>
{
    public const string ConsumerName = "refresh-post";

    public async Task Consume(ConsumeContext<PostChanged> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException("PostChanged arrived without a message id; the outbox always sets one.");
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);

        // Recorded in the same transaction as the effect: a redelivered message finds its id and changes nothing, whichever
        // worker instance it reaches (the row names the one that applied it).
        if (!await db.Database.TryRecordProcessedMessageAsync(messageId, ConsumerName, instance.Id, context.CancellationToken))
        {
            logger.LogInformation("Message {MessageId} was already processed; ignoring the redelivery", messageId);
            return;
        }

        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == context.Message.PostId, context.CancellationToken);
        if (post is null)
        {
            logger.LogInformation("Post {PostId} no longer exists; nothing to refresh", context.Message.PostId);
            await transaction.CommitAsync(context.CancellationToken);
            return;
        }

        post.WordCount = post.Body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        post.IndexedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(context.CancellationToken);
        await db.Database.RecordThreadlineActionAsync(PostActions.Refresh, cancellationToken: context.CancellationToken);
        await transaction.CommitAsync(context.CancellationToken);
    }
}
