using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests.Tracing;

/// <summary>
/// The threadline.audit span of the EF Core bridge, listened to in process while the platform's posts table is written
/// through PgBouncer as the application role: the audit transaction id, tables and change count, a link to the admin
/// UI, and nothing about the actor or the values.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class AuditSpanTests(DatabaseFixture platform)
{
    private const string UrlTemplate = "http://admin.test/ui/transactions/{id}";
    private readonly AuditContextAccessor _accessor = new();

    [Fact]
    public async Task An_audited_commit_shows_as_a_span_with_the_transaction_tables_and_change_count()
    {
        var actor = $"span-actor-{Guid.NewGuid():N}";
        var secretTitle = $"span-title-{Guid.NewGuid():N}";
        var spans = new List<Activity>();
        using var parent = new ActivitySource("Threadline.Tests.AuditSpan");
        using var listener = Listen(spans, parent.Name);

        long auditTransactionId;
        Activity request;
        await using (var db = CreateContext())
        using (request = parent.StartActivity("POST /posts")!)
        using (_accessor.Begin(new AuditContext(ActorRef.User(actor))))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Posts.AddRange(new Post { Title = secretTitle }, new Post { Title = secretTitle });
            await db.SaveChangesAsync();
            auditTransactionId = await db.Database.SqlQueryRaw<long>("SELECT threadline.current_transaction_id() AS \"Value\"").SingleAsync();
            await transaction.CommitAsync();
        }

        var span = Assert.Single(Snapshot(spans), a => a.OperationName == AuditSpan.Name && Equals(a.GetTagItem(AuditSpan.TransactionIdTag), auditTransactionId));
        Assert.Equal(request.SpanId, span.ParentSpanId);
        Assert.Equal(["public.posts"], (string[])span.GetTagItem(AuditSpan.TablesTag)!);
        Assert.Equal(2L, span.GetTagItem(AuditSpan.ChangesTag));
        Assert.Equal($"http://admin.test/ui/transactions/{auditTransactionId}", span.GetTagItem(AuditSpan.UrlTag));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var tags = span.TagObjects.Select(t => $"{t.Key}={(t.Value is string[] a ? string.Join(",", a) : t.Value)}").ToList();
        Assert.DoesNotContain(tags, t => t.Contains(actor, StringComparison.Ordinal) || t.Contains(secretTitle, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transaction_that_audited_nothing_has_no_audit_span()
    {
        var spans = new List<Activity>();
        using var listener = Listen(spans);
        var marker = $"no-audit-{Guid.NewGuid():N}";

        await using (var db = CreateContext())
        using (_accessor.Begin(new AuditContext(ActorRef.User(marker))))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            // A read only: stamped, but no captured change.
            await db.Posts.Where(p => p.Title == marker).ToListAsync();
            await transaction.CommitAsync();
        }

        // Only this test's transaction could have produced a span without tables on this listener's thread of work;
        // a span from a concurrent write would name tables and changes.
        Assert.DoesNotContain(Snapshot(spans), a => a.OperationName == AuditSpan.Name && Equals(a.GetTagItem(AuditSpan.ChangesTag), 0L));
    }

    private PostsDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<PostsDbContext>().UseNpgsql(platform.AppConnectionString);
        options.UseThreadline(_accessor, UrlTemplate);
        return new PostsDbContext(options.Options);
    }

    private static ActivityListener Listen(List<Activity> spans, params string[] extraSources)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ThreadlineTelemetry.Name || extraSources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) { spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private static List<Activity> Snapshot(List<Activity> spans)
    {
        lock (spans)
        {
            return [.. spans];
        }
    }
}
