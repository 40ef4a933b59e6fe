using System.Diagnostics;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Platform.Outbox;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests.Outbox;

/// <summary>
/// The outbox component on its own, through PgBouncer in transaction mode: a message enqueued in a rolled-back
/// transaction never exists, a committed one is published with its own id and marked, and a consumed message is
/// recorded once.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxComponentTests(DatabaseFixture platform)
{
    [Fact]
    public async Task An_enqueued_message_rolls_back_with_its_transaction()
    {
        var accessor = new AuditContextAccessor();
        await using var db = Open(accessor);
        OutboxMessage row;
        using (accessor.Begin(new AuditContext(ActorRef.User($"rollback-{Guid.NewGuid():N}"))))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var post = new Post { Title = "rolled back" };
            db.Posts.Add(post);
            await db.SaveChangesAsync();
            row = db.EnqueueOutboxMessage(new PostChanged(post.Id), accessor.Current);
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        await using var direct = await platform.OpenDirectAsync();
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(direct, "SELECT count(*) FROM public.outbox_messages WHERE message_id = $1", row.MessageId));
    }

    [Fact]
    public async Task A_committed_message_keeps_the_audit_and_trace_context_of_its_writer()
    {
        var accessor = new AuditContextAccessor();
        var actor = ActorRef.User($"writer-{Guid.NewGuid():N}");
        await using var db = Open(accessor);
        using var request = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        OutboxMessage row;
        using (accessor.Begin(new AuditContext(actor) { CorrelationId = "corr-outbox" }))
        {
            var post = new Post { Title = "committed" };
            db.Posts.Add(post);
            await db.SaveChangesAsync();
            row = db.EnqueueOutboxMessage(new PostChanged(post.Id), accessor.Current);
            await db.SaveChangesAsync();
        }

        await using var direct = await platform.OpenDirectAsync();
        Assert.Equal(request.Id, await AuditRows.ScalarAsync<string>(direct, "SELECT trace_parent FROM public.outbox_messages WHERE message_id = $1", row.MessageId));
        var stored = AuditContext.Parse(await AuditRows.ScalarAsync<string>(direct, "SELECT audit_context::text FROM public.outbox_messages WHERE message_id = $1", row.MessageId));
        Assert.Equal((actor.Id, "corr-outbox"), (stored.Actor.Id, stored.CorrelationId));
        Assert.Equal(nameof(PostChanged), await AuditRows.ScalarAsync<string>(direct, "SELECT message_type FROM public.outbox_messages WHERE message_id = $1", row.MessageId));
    }

    [Fact]
    public async Task A_processed_message_is_recorded_once_and_only_when_its_transaction_commits()
    {
        var accessor = new AuditContextAccessor();
        await using var db = Open(accessor);
        var messageId = Guid.NewGuid();
        using var job = accessor.Begin(new AuditContext(ActorRef.User($"consumer-{Guid.NewGuid():N}")));

        await using (var rolledBack = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await db.Database.TryRecordProcessedMessageAsync(messageId, "component-test", "instance-a"));
            await rolledBack.RollbackAsync();
        }

        await using (var first = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await db.Database.TryRecordProcessedMessageAsync(messageId, "component-test", "instance-a"));
            await first.CommitAsync();
        }

        await using (var redelivery = await db.Database.BeginTransactionAsync())
        {
            Assert.False(await db.Database.TryRecordProcessedMessageAsync(messageId, "component-test", "instance-b"));
            await redelivery.CommitAsync();
        }

        await using var direct = await platform.OpenDirectAsync();
        Assert.Equal("instance-a", await AuditRows.ScalarAsync<string>(direct, "SELECT processed_by FROM public.processed_messages WHERE message_id = $1", messageId));
    }

    [Fact]
    public async Task Recording_a_processed_message_outside_a_transaction_is_refused()
    {
        await using var db = Open(new AuditContextAccessor());
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.Database.TryRecordProcessedMessageAsync(Guid.NewGuid(), "component-test", null));
        Assert.Contains("inside the transaction", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dispatcher_publishes_a_committed_message_with_its_id_and_marks_it()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<PostsDbContext>(o => o.UseNpgsql(platform.AppConnectionString));
        services.AddThreadlineToDbContext<PostsDbContext>();
        services.AddMassTransitTestHarness();
        services.AddOutboxDispatcher<PostsDbContext>((_, outbox) =>
        {
            outbox.InstanceId = "component-test-dispatcher";
            outbox.AddMessage<PostChanged>();
        });
        await using var provider = services.BuildServiceProvider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var accessor = provider.GetRequiredService<IAuditContextAccessor>();
        OutboxMessage row;
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
            using (accessor.Begin(new AuditContext(ActorRef.User($"dispatch-{Guid.NewGuid():N}"))))
            {
                var post = new Post { Title = "dispatched" };
                db.Posts.Add(post);
                row = db.EnqueueOutboxMessage(new PostChanged(0), accessor.Current);
                await db.SaveChangesAsync();
            }
        }

        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted.OfType<OutboxDispatcher<PostsDbContext>>())
        {
            await service.StartAsync(CancellationToken.None);
        }

        provider.GetRequiredService<IOutboxWake>().Wake();
        await using var direct = await platform.OpenDirectAsync();
        Assert.True(await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(30), async () =>
            await AuditRows.ScalarAsync<long>(direct, "SELECT count(*) FROM public.outbox_messages WHERE message_id = $1 AND dispatched_by = 'component-test-dispatcher'", row.MessageId) == 1), "the row was not marked dispatched");
        Assert.True(await harness.Published.Any<PostChanged>(m => m.Context.MessageId == row.MessageId), "the message was not published with its outbox id");
        foreach (var service in hosted.OfType<OutboxDispatcher<PostsDbContext>>())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private PostsDbContext Open(IAuditContextAccessor accessor) =>
        new(new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql(platform.AppConnectionString).UseThreadline(accessor).Options);
}
