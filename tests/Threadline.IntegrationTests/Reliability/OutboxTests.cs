using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.IntegrationTests.Hostile;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>
/// The posts API writes PostChanged to a transactional outbox; the job worker consumes idempotently. Killing the API
/// between the commit and the publish loses no job, and a redelivered message changes nothing a second time.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OutboxTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_crash_between_commit_and_publish_loses_no_job_and_runs_it_once()
    {
        var title = $"crash-{Guid.NewGuid():N}";
        var subject = $"crasher-{Guid.NewGuid():N}";
        // A client of its own, on a fresh connection: a pooled keep-alive connection that the proxy has dropped would
        // fail the POST before it reaches the API, which is not the crash this test is about.
        using (var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = platform.App.GetEndpoint(ResourceNames.PostsApi, "http") })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", platform.IssueToken(subject));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync("/posts/0")).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/posts") { Content = JsonContent.Create(new { title, body = "survives a crash" }) };
            request.Headers.Add("X-Platform-Fault", "exit-after-commit");
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.SendAsync(request));
        }

        await using var db = await platform.OpenDirectAsync();
        var found = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.posts WHERE title = $1", title);
        Assert.True(found == 1, "the crashed request's post should be committed: the crash point is after the commit");
        var postId = await AuditRows.ScalarAsync<long>(db, "SELECT id FROM public.posts WHERE title = $1", title);
        await platform.StartAgainAsync(ResourceNames.PostsApi);

        var rows = await AuditRows.WaitForPostAsync(platform, postId, r => r.Any(x => x.Source == "job"), TimeSpan.FromSeconds(60));
        // The job can finish before the dispatcher commits its "dispatched" mark, so the row is looked up without it.
        var messageId = await AuditRows.ScalarAsync<Guid>(db, "SELECT message_id FROM public.outbox_messages WHERE payload ->> 'PostId' = $1::text", postId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var job = Assert.Single(rows, r => r.Source == "job");
        Assert.Equal((subject, messageId.ToString("D")), (job.ActorId, job.JobId));
        Assert.Equal(["insert", "update"], rows.Select(r => r.Op));
    }

    [Fact]
    public async Task A_redelivered_message_is_recognised_and_changes_nothing_twice()
    {
        var subject = $"redelivery-{Guid.NewGuid():N}";
        using var client = platform.CreateClient(ResourceNames.PostsApi, subject);
        var created = await client.CreatePostAsync("redelivered", "one two three");
        await AuditRows.WaitForPostAsync(platform, created.Id, r => r.Any(x => x.Source == "job"));
        await using var db = await platform.OpenDirectAsync();
        var id = created.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The worker's console, watched before the duplicate goes out: its "already processed" line is the sign that
        // the duplicate reached it and was recognised (RefreshPostConsumer), not merely that time passed.
        await using var logs = new ResourceLogs(platform.App, ResourceNames.JobWorker);

        // As if the dispatcher had crashed after publishing and before marking: the same message goes out again.
        Guid messageId;
        await using (var reset = new NpgsqlCommand("UPDATE public.outbox_messages SET dispatched_at = NULL WHERE payload ->> 'PostId' = $1 RETURNING message_id", db))
        {
            reset.Parameters.Add(new NpgsqlParameter { Value = id });
            messageId = Assert.IsType<Guid>(await reset.ExecuteScalarAsync());
        }

        Assert.True(await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(30), async () => await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.outbox_messages WHERE payload ->> 'PostId' = $1 AND dispatched_at IS NULL", id) == 0), "timed out");
        await logs.WaitForAsync(ResourceNames.JobWorker, $"Message {messageId} was already processed; ignoring the redelivery", TimeSpan.FromSeconds(60));

        var rows = await AuditRows.ForPostAsync(platform, created.Id);
        Assert.Single(rows, r => r.Source == "job");
        Assert.Equal(1L, await AuditRows.ActionCountAsync(db, PostActions.Refresh, subject));
    }
}
