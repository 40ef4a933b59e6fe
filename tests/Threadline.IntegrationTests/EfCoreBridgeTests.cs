using Microsoft.EntityFrameworkCore;
using Npgsql;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests;

/// <summary>
/// The EF Core bridge through PgBouncer. EF runs a single-statement SaveChanges and ExecuteUpdate without a
/// transaction, so a separate set_config command would be lost: SaveChanges is made transactional and stamped when
/// the transaction begins, and ExecuteUpdate/ExecuteDelete carry the context in the same command.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class EfCoreBridgeTests(DatabaseFixture platform)
{
    private readonly AuditContextAccessor _accessor = new();

    [Fact]
    public async Task Single_statement_SaveChanges_records_the_actor()
    {
        var actor = ActorRef.ServiceAccount($"importer-{Guid.NewGuid():N}");
        await using var db = CreateContext(withThreadline: true);
        var post = new Post { Title = "ef single statement" };
        using (_accessor.Begin(new AuditContext(actor) { RequestId = "ef-1" }))
        {
            db.Posts.Add(post);
            await db.SaveChangesAsync();
        }

        var insert = Assert.Single(await AuditRows.ForPostAsync(platform, post.Id));
        Assert.Equal(("service_account", actor.Id, "ef-1"), (insert.ActorType, insert.ActorId, insert.RequestId));
    }

    [Fact]
    public async Task ExecuteUpdate_and_ExecuteDelete_record_the_actor()
    {
        var actor = ActorRef.Admin($"ops-{Guid.NewGuid():N}");
        await using var db = CreateContext(withThreadline: true);
        var post = new Post { Title = "ef bulk" };
        using (_accessor.Begin(new AuditContext(actor)))
        {
            db.Posts.Add(post);
            await db.SaveChangesAsync();
            var updated = await db.Posts.Where(p => p.Id == post.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Title, "ef bulk updated"));
            Assert.Equal(1, updated);
            await db.Posts.Where(p => p.Id == post.Id).ExecuteDeleteAsync();
        }

        var rows = await AuditRows.ForPostAsync(platform, post.Id);
        Assert.Equal(["insert", "update", "delete"], rows.Select(r => r.Op));
        Assert.All(rows, r => Assert.Equal(("admin", actor.Id), (r.ActorType, r.ActorId)));
        Assert.Equal(3, rows.Select(r => r.TransactionId).Distinct().Count());
    }

    [Fact]
    public async Task Explicit_transaction_groups_its_writes_under_one_attributed_audit_transaction()
    {
        var actor = ActorRef.User($"erin-{Guid.NewGuid():N}");
        await using var db = CreateContext(withThreadline: true);
        var first = new Post { Title = "tx one" };
        var second = new Post { Title = "tx two" };
        using (_accessor.Begin(new AuditContext(actor)))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Posts.Add(first);
            await db.SaveChangesAsync();
            db.Posts.Add(second);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        var a = Assert.Single(await AuditRows.ForPostAsync(platform, first.Id));
        var b = Assert.Single(await AuditRows.ForPostAsync(platform, second.Id));
        Assert.Equal(a.TransactionId, b.TransactionId);
        Assert.Equal(actor.Id, a.ActorId);
    }

    [Fact]
    public async Task Control_without_the_interceptor_the_strict_posts_table_rejects_the_write()
    {
        await using var db = CreateContext(withThreadline: false);
        db.Posts.Add(new Post { Title = "unattributed" });

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());

        var postgres = Assert.IsType<PostgresException>(error.InnerException);
        Assert.Equal("42501", postgres.SqlState);
        Assert.Contains("public.posts needs an actor", postgres.MessageText, StringComparison.Ordinal);
        Assert.Contains("CALL threadline.set_context(", postgres.Hint, StringComparison.Ordinal);
    }

    private PostsDbContext CreateContext(bool withThreadline)
    {
        var options = new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql(platform.AppConnectionString);
        if (withThreadline)
        {
            options.UseThreadline(_accessor);
        }

        return new PostsDbContext(options.Options);
    }
}
