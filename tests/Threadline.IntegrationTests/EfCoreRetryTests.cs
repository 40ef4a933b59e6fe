using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests;

/// <summary>
/// An explicit transaction inside an EF retrying execution strategy, through PgBouncer: the first attempt fails for
/// real, the retry begins a new transaction, which must carry the audit context again, and only the retry's
/// transaction is audited, once, with the actor.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class EfCoreRetryTests(DatabaseFixture platform)
{
    [Fact]
    public async Task A_transaction_retried_after_its_backend_was_terminated_is_audited_once_with_the_actor()
    {
        await using var provider = Services(platform.AppConnectionString);
        var accessor = provider.GetRequiredService<IAuditContextAccessor>();
        var actor = ActorRef.User($"retry-{Guid.NewGuid():N}");
        var post = new Post { Title = "retried insert" };
        var attempts = 0;

        using (accessor.Begin(new AuditContext(actor) { RequestId = "retry-1" }))
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                attempts++;
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Posts.Add(post);
                if (attempts == 1)
                {
                    // The server connection PgBouncer gave this transaction dies before the insert.
                    var pid = await db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
                    await using var admin = await platform.OpenDirectAsync();
                    Assert.True(await AuditRows.ScalarAsync<bool>(admin, "SELECT pg_terminate_backend($1, 10000)", pid));
                }

                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            });
        }

        Assert.Equal(2, attempts);
        var insert = Assert.Single(await AuditRows.ForPostAsync(platform, post.Id));
        Assert.Equal((actor.Id, "retry-1"), (insert.ActorId, insert.RequestId));
        Assert.Equal(1L, await AuditTransactionsOfAsync(actor));
    }

    [Fact]
    public async Task A_transaction_retried_after_a_serialization_failure_on_the_same_connection_is_audited_once_with_the_actor()
    {
        // One physical connection: the retry runs on the connection of the failed attempt.
        var single = new NpgsqlConnectionStringBuilder(platform.AppConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var provider = Services(single);
        var accessor = provider.GetRequiredService<IAuditContextAccessor>();
        var seeder = ActorRef.System($"seed-{Guid.NewGuid():N}");
        var actor = ActorRef.User($"serial-{Guid.NewGuid():N}");
        var post = new Post { Title = "before" };
        using (accessor.Begin(new AuditContext(seeder)))
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
            db.Posts.Add(post);
            await db.SaveChangesAsync();
        }

        var attempts = 0;
        using (accessor.Begin(new AuditContext(actor)))
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                attempts++;
                await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead);
                // The snapshot is taken here.
                var title = await db.Posts.Where(p => p.Id == post.Id).Select(p => p.Title).SingleAsync();
                if (attempts == 1)
                {
                    await UpdateConcurrentlyAsync(post.Id);
                }

                // On the first attempt the row changed after the snapshot: 40001, which the strategy retries.
                await db.Posts.Where(p => p.Id == post.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Title, title + ", retried"));
                await transaction.CommitAsync();
            });
        }

        Assert.Equal(2, attempts);
        var rows = await AuditRows.ForPostAsync(platform, post.Id);
        Assert.Equal(["insert", "update", "update"], rows.Select(r => r.Op));
        Assert.Equal([seeder.Id, "concurrent", actor.Id], rows.Select(r => r.ActorId));
        Assert.Contains("\"concurrent, retried\"", rows[2].DataAfter, StringComparison.Ordinal);
        Assert.Equal(1L, await AuditTransactionsOfAsync(actor));
    }

    private static ServiceProvider Services(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddDbContextPool<PostsDbContext>(o => o.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(3, TimeSpan.FromMilliseconds(50), null)));
        services.AddThreadlineToDbContext<PostsDbContext>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    private async Task UpdateConcurrentlyAsync(long postId)
    {
        await using var direct = await platform.OpenDirectAsync();
        await using var transaction = await direct.BeginAuditedTransactionAsync(new AuditContext(ActorRef.System("concurrent")));
        await using var update = new NpgsqlCommand("UPDATE public.posts SET title = 'concurrent' WHERE id = $1", direct, transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = postId });
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
        await transaction.CommitAsync();
    }

    private async Task<long> AuditTransactionsOfAsync(ActorRef actor)
    {
        await using var direct = await platform.OpenDirectAsync();
        return await AuditRows.ScalarAsync<long>(direct, "SELECT count(*) FROM threadline.transactions WHERE actor_id = $1", actor.Id!);
    }
}
