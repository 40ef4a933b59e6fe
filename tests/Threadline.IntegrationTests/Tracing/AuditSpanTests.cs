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

    [Fact]
    public async Task An_action_recorded_with_its_summary_gives_the_span_its_tags_without_another_query()
    {
        var spans = new List<Activity>();
        using var parent = new ActivitySource("Threadline.Tests.AuditSpan");
        using var listener = Listen(spans, parent.Name, "Npgsql");

        RecordedAction recorded;
        Activity request;
        await using (var db = CreateContext())
        using (request = parent.StartActivity("POST /posts")!)
        using (_accessor.Begin(new AuditContext(ActorRef.User($"span-summary-{Guid.NewGuid():N}"))))
        {
            // Without EF's savepoint around SaveChanges (SAVEPOINT and RELEASE would be two more commands).
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Posts.AddRange(new Post { Title = "summary one" }, new Post { Title = "summary two" });
            await db.SaveChangesAsync();
            recorded = await db.Database.RecordThreadlineActionWithSummaryAsync("posts.summary-test");
            await transaction.CommitAsync();
        }

        Assert.True(recorded.ActionId > 0);
        var summary = Assert.IsType<AuditTransactionSummary>(recorded.Transaction);
        Assert.Equal(summary.TransactionId, recorded.TransactionId);
        Assert.Equal(["public.posts"], summary.Tables);
        Assert.Equal(2L, summary.Changes);

        var inRequest = Snapshot(spans).Where(a => a.TraceId == request.TraceId).ToList();
        var span = Assert.Single(inRequest, a => a.OperationName == AuditSpan.Name);
        Assert.Equal(request.SpanId, span.ParentSpanId);
        Assert.Equal(summary.TransactionId, span.GetTagItem(AuditSpan.TransactionIdTag));
        Assert.Equal(["public.posts"], (string[])span.GetTagItem(AuditSpan.TablesTag)!);
        Assert.Equal(2L, span.GetTagItem(AuditSpan.ChangesTag));
        Assert.Equal($"http://admin.test/ui/transactions/{summary.TransactionId}", span.GetTagItem(AuditSpan.UrlTag));

        // The context (with BEGIN), the batch of two inserts, the action with the summary: no summary query of its own.
        // A physical connection opened by the pool (CONNECT) is not a statement of the transaction.
        var commands = inRequest.Where(a => a.Source.Name == "Npgsql" && !a.DisplayName.StartsWith("CONNECT", StringComparison.Ordinal)).Select(Statement).ToList();
        Assert.Equal(3, commands.Count);
        Assert.Contains("set_config('threadline.context'", commands[0], StringComparison.Ordinal);
        Assert.Contains("INSERT INTO", commands[1], StringComparison.Ordinal);
        Assert.Contains("record_action", commands[2], StringComparison.Ordinal);
        Assert.Single(commands, c => c.Contains("current_transaction_summary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_write_after_the_action_makes_the_span_read_the_summary_again()
    {
        var spans = new List<Activity>();
        using var parent = new ActivitySource("Threadline.Tests.AuditSpan");
        using var listener = Listen(spans, parent.Name);

        RecordedAction recorded;
        Activity request;
        await using (var db = CreateContext())
        using (request = parent.StartActivity("POST /posts")!)
        using (_accessor.Begin(new AuditContext(ActorRef.User($"span-stale-{Guid.NewGuid():N}"))))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Posts.Add(new Post { Title = "before the action" });
            await db.SaveChangesAsync();
            recorded = await db.Database.RecordThreadlineActionWithSummaryAsync("posts.summary-test");
            db.Posts.Add(new Post { Title = "after the action" });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        Assert.Equal(1L, recorded.Transaction?.Changes);
        var span = Assert.Single(Snapshot(spans), a => a.TraceId == request.TraceId && a.OperationName == AuditSpan.Name);
        Assert.Equal(recorded.TransactionId, span.GetTagItem(AuditSpan.TransactionIdTag));
        Assert.Equal(2L, span.GetTagItem(AuditSpan.ChangesTag));
    }

    private static string Statement(Activity npgsql) =>
        (npgsql.GetTagItem("db.query.text") ?? npgsql.GetTagItem("db.statement"))?.ToString() ?? npgsql.DisplayName;

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
