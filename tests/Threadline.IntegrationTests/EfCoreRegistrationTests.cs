using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests;

/// <summary>
/// The EF Core bridge in each way a context is registered (the generic options chain, AddDbContextPool,
/// IDbContextFactory, Aspire's AddNpgsqlDbContext), through PgBouncer in transaction mode, on the strict posts table:
/// a write without an actor is rejected, so a write that lands was attributed.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class EfCoreRegistrationTests(DatabaseFixture platform)
{
    [Fact]
    public async Task The_generic_chain_gives_typed_options_that_audit()
    {
        var accessor = new AuditContextAccessor();
        var actor = ActorRef.User($"typed-{Guid.NewGuid():N}");

        DbContextOptions<PostsDbContext> options = new DbContextOptionsBuilder<PostsDbContext>()
            .UseNpgsql(platform.AppConnectionString)
            .UseThreadline(accessor)
            .Options;
        await using var db = new PostsDbContext(options);
        var post = new Post { Title = "typed options" };
        using (accessor.Begin(new AuditContext(actor)))
        {
            db.Posts.Add(post);
            await db.SaveChangesAsync();
        }

        Assert.Equal(actor.Id, Assert.Single(await AuditRows.ForPostAsync(platform, post.Id)).ActorId);
    }

    [Fact]
    public async Task A_pooled_context_writes_the_actor_of_the_request_that_rented_it()
    {
        var services = new ServiceCollection();
        // One pooled instance, so every request below rents the same one.
        services.AddDbContextPool<PostsDbContext>(o => o.UseNpgsql(platform.AppConnectionString), poolSize: 1);
        services.AddThreadlineToDbContext<PostsDbContext>();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var accessor = provider.GetRequiredService<IAuditContextAccessor>();
        var alice = ActorRef.User($"alice-{Guid.NewGuid():N}");
        var bob = ActorRef.User($"bob-{Guid.NewGuid():N}");
        var aliceWrote = new SemaphoreSlim(0);
        var bobWrote = new SemaphoreSlim(0);

        // Request A writes, lets B rent the context and write while A's context is still current, then writes again.
        var requestA = Task.Run(async () =>
        {
            using var scope = accessor.Begin(new AuditContext(alice) { RequestId = "request-a" });
            var first = await WritePostAsync(provider, "pooled a1");
            aliceWrote.Release();
            await bobWrote.WaitAsync();
            var second = await WritePostAsync(provider, "pooled a2");
            return (first, second);
        });
        var requestB = Task.Run(async () =>
        {
            await aliceWrote.WaitAsync();
            try
            {
                using var scope = accessor.Begin(new AuditContext(bob) { RequestId = "request-b" });
                return await WritePostAsync(provider, "pooled b", bulkRename: true);
            }
            finally
            {
                bobWrote.Release();
            }
        });
        var (a1, a2) = await requestA;
        var b = await requestB;

        Assert.Same(a1.Context, b.Context);
        Assert.Same(a1.Context, a2.Context);
        var aRows = (await AuditRows.ForPostAsync(platform, a1.PostId)).Concat(await AuditRows.ForPostAsync(platform, a2.PostId)).ToList();
        var bRows = await AuditRows.ForPostAsync(platform, b.PostId);
        Assert.Equal(2, aRows.Count);
        Assert.All(aRows, r => Assert.Equal((alice.Id, "request-a"), (r.ActorId, r.RequestId)));
        Assert.Equal(["insert", "update"], bRows.Select(r => r.Op));
        Assert.All(bRows, r => Assert.Equal((bob.Id, "request-b"), (r.ActorId, r.RequestId)));

        // A request with no audit context rents the same instance and carries nobody's actor: the strict table refuses it.
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => WritePostAsync(provider, "pooled, no actor"));
        Assert.Equal("42501", Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_context_from_the_factory_records_the_actor(bool pooled)
    {
        var services = new ServiceCollection();
        if (pooled)
        {
            services.AddPooledDbContextFactory<PostsDbContext>(o => o.UseNpgsql(platform.AppConnectionString));
        }
        else
        {
            services.AddDbContextFactory<PostsDbContext>(o => o.UseNpgsql(platform.AppConnectionString));
        }

        services.AddThreadlineToDbContext<PostsDbContext>();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var factory = provider.GetRequiredService<IDbContextFactory<PostsDbContext>>();
        var actor = ActorRef.ServiceAccount($"factory-{Guid.NewGuid():N}");
        var post = new Post { Title = pooled ? "pooled factory" : "factory" };

        using (provider.GetRequiredService<IAuditContextAccessor>().Begin(new AuditContext(actor) { JobId = "factory-job" }))
        {
            await using var db = await factory.CreateDbContextAsync();
            db.Posts.Add(post);
            await db.SaveChangesAsync();
            await db.Posts.Where(p => p.Id == post.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Title, "factory, renamed"));
        }

        var rows = await AuditRows.ForPostAsync(platform, post.Id);
        Assert.Equal(["insert", "update"], rows.Select(r => r.Op));
        Assert.All(rows, r => Assert.Equal((actor.Id, "factory-job"), (r.ActorId, r.JobId)));
    }

    [Fact]
    public async Task Aspire_AddNpgsqlDbContext_with_AddThreadlineToDbContext_records_the_actor()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:posts"] = platform.AppConnectionString });
        builder.Services.AddThreadlineToDbContext<PostsDbContext>();
        // Aspire registers a pooled context with its retrying execution strategy.
        builder.AddNpgsqlDbContext<PostsDbContext>("posts");
        using var host = builder.Build();
        var actor = ActorRef.Admin($"aspire-{Guid.NewGuid():N}");
        var post = new Post { Title = "aspire" };

        using (host.Services.GetRequiredService<IAuditContextAccessor>().Begin(new AuditContext(actor)))
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
            Assert.True(db.Database.CreateExecutionStrategy().RetriesOnFailure);
            db.Posts.Add(post);
            await db.SaveChangesAsync();
        }

        Assert.Equal(actor.Id, Assert.Single(await AuditRows.ForPostAsync(platform, post.Id)).ActorId);
    }

    [Fact]
    public async Task Two_transactions_on_one_open_connection_in_one_audit_scope_are_both_stamped()
    {
        var accessor = new AuditContextAccessor();
        var actor = ActorRef.User($"twice-{Guid.NewGuid():N}");
        await using var db = new PostsDbContext(new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql(platform.AppConnectionString).UseThreadline(accessor).Options);
        var first = new Post { Title = "first transaction" };
        var second = new Post { Title = "second transaction" };

        using (accessor.Begin(new AuditContext(actor)))
        {
            // One open connection for both transactions: Npgsql hands out the same transaction object again.
            await db.Database.OpenConnectionAsync();
            db.Posts.Add(first);
            await db.SaveChangesAsync();
            db.Posts.Add(second);
            await db.SaveChangesAsync();
        }

        var a = Assert.Single(await AuditRows.ForPostAsync(platform, first.Id));
        var b = Assert.Single(await AuditRows.ForPostAsync(platform, second.Id));
        Assert.NotEqual(a.TransactionId, b.TransactionId);
        Assert.Equal((actor.Id, actor.Id), (a.ActorId, b.ActorId));
    }

    private static async Task<(long PostId, PostsDbContext Context)> WritePostAsync(IServiceProvider provider, string title, bool bulkRename = false)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
        var post = new Post { Title = title };
        db.Posts.Add(post);
        await db.SaveChangesAsync();
        if (bulkRename)
        {
            await db.Posts.Where(p => p.Id == post.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Title, title + ", renamed"));
        }

        return (post.Id, db);
    }
}
