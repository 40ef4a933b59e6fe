using MassTransit;
using Microsoft.EntityFrameworkCore;
using Threadline.EntityFrameworkCore;
using Threadline.Platform.Posts;

namespace Threadline.Platform.JobWorker;

/// <summary>
/// The audited job path: refreshes a post's derived fields through PgBouncer. The audit context (original actor,
/// correlation id, this message as the job) is restored by Threadline's consume filter, and the EF Core
/// interceptor stamps it into the transaction, which also records the posts.refresh action.
/// </summary>
public sealed class RefreshPostConsumer(PostsDbContext db, ILogger<RefreshPostConsumer> logger) : IConsumer<PostChanged>
{
    public async Task Consume(ConsumeContext<PostChanged> context)
    {
        var post = await db.Posts.SingleOrDefaultAsync(p => p.Id == context.Message.PostId, context.CancellationToken);
        if (post is null)
        {
            logger.LogInformation("Post {PostId} no longer exists; nothing to refresh", context.Message.PostId);
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        post.WordCount = post.Body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        post.IndexedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(context.CancellationToken);
        await db.Database.RecordThreadlineActionAsync(PostActions.Refresh, cancellationToken: context.CancellationToken);
        await transaction.CommitAsync(context.CancellationToken);
    }
}
