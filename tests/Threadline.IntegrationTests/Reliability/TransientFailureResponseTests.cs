using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Threadline.AspNetCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>
/// The services' side of <see cref="TransientFailureTests"/>: a request whose database connection is lost mid-statement
/// gets 503 with Retry-After and problem details from posts-api and from admin, never a 500, and a job whose connection
/// is lost is retried and applied once. Deterministic: the statement is held on a lock the test owns, and the test ends
/// its backend while it waits.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TransientFailureResponseTests(PlatformFixture platform)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Posts_api_answers_a_write_whose_connection_is_lost_with_503_and_retry_after()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi, $"transient-{Guid.NewGuid():N}");
        var created = await client.CreatePostAsync("to be updated", "one");
        Assert.Equal(HttpStatusCode.Created, created.Response.StatusCode);

        await using var db = await platform.OpenDirectAsync();
        HttpResponseMessage response;
        await using (var holder = await platform.OpenDirectAsync())
        await using (var held = await holder.BeginTransactionAsync())
        {
            await holder.ExecAsync($"SELECT id FROM public.posts WHERE id = {created.Id} FOR UPDATE", held);
            var update = client.PutAsJsonAsync($"/posts/{created.Id}", new { title = "updated", body = "two" });
            await TerminateWaitingBackendAsync(db, PlatformRoles.AppUser, "UPDATE%posts%");
            response = await update.WaitAsync(Bound);
            await held.RollbackAsync();
        }

        await AssertServiceUnavailableAsync(response);
        // Nothing was saved: the post still has its first version.
        Assert.Equal("to be updated", await AuditRows.ScalarAsync<string>(db, "SELECT title FROM public.posts WHERE id = $1", created.Id));
    }

    [Fact]
    public async Task Admin_answers_a_read_whose_connection_is_lost_with_503_and_retry_after()
    {
        using var poster = platform.CreateClient(ResourceNames.PostsApi, $"transient-{Guid.NewGuid():N}");
        var created = await poster.CreatePostAsync("read while the audit table is locked");
        using var auditor = platform.CreateClient(ResourceNames.AdminService, $"auditor-{Guid.NewGuid():N}", PlatformAuth.AuditorRole);

        await using var db = await platform.OpenDirectAsync();
        HttpResponseMessage response;
        await using (var holder = await platform.OpenDirectAsync())
        await using (var held = await holder.BeginTransactionAsync())
        {
            // Short: every audited write waits behind this lock until the backend is ended and the lock released.
            await holder.ExecAsync("LOCK TABLE threadline.transactions IN ACCESS EXCLUSIVE MODE", held);
            var read = auditor.GetAsync($"/api/v1/audit/transactions/{created.AuditTransactionId}");
            await TerminateWaitingBackendAsync(db, PlatformRoles.AuditorUser, "%transactions%");
            response = await read.WaitAsync(Bound);
            await held.RollbackAsync();
        }

        await AssertServiceUnavailableAsync(response);
    }

    [Fact]
    public async Task The_job_worker_retries_a_job_whose_connection_is_lost_and_applies_it_once()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi, $"transient-job-{Guid.NewGuid():N}");
        await using var db = await platform.OpenDirectAsync();
        // Every earlier job done first, so the one job that waits on the lock below is this post's.
        Assert.True(await Eventually.TrueWithinAsync(Bound, async () => await AuditRows.ScalarAsync<long>(db, """
            SELECT count(*) FROM public.outbox_messages o
             WHERE NOT EXISTS (SELECT FROM public.processed_messages p WHERE p.message_id = o.message_id)
            """) == 0), "earlier jobs are still pending");
        long postId;
        await using (var holder = await platform.OpenDirectAsync())
        await using (var held = await holder.BeginTransactionAsync())
        {
            // The job's first statement records its message id; held here, it waits until its backend is ended.
            await holder.ExecAsync("LOCK TABLE public.processed_messages IN SHARE MODE", held);
            var created = await client.CreatePostAsync("refreshed after a lost connection", "three words here");
            Assert.Equal(HttpStatusCode.Created, created.Response.StatusCode);
            postId = created.Id;
            await TerminateWaitingBackendAsync(db, PlatformRoles.AppUser, "INSERT INTO processed_messages%");
            await held.RollbackAsync();
        }

        var rows = await AuditRows.WaitForPostAsync(platform, postId, r => r.Any(x => x.Source == "job"), Bound);
        Assert.Single(rows, r => r.Source == "job");
        Assert.Equal(3, await AuditRows.ScalarAsync<int>(db, "SELECT word_count FROM public.posts WHERE id = $1", postId));
    }

    /// <summary>Waits for a backend of <paramref name="user"/> blocked on a lock in a statement like <paramref name="queryLike"/>, and ends it.</summary>
    private static async Task TerminateWaitingBackendAsync(NpgsqlConnection db, string user, string queryLike)
    {
        var pid = 0;
        var waiting = await Eventually.TrueWithinAsync(Bound, async () =>
        {
            pid = await AuditRows.ScalarAsync<int?>(db, """
                SELECT pid FROM pg_stat_activity
                 WHERE usename = $1 AND wait_event_type = 'Lock' AND query ILIKE $2
                 LIMIT 1
                """, user, queryLike) ?? 0;
            return pid != 0;
        });
        Assert.True(waiting, $"no backend of {user} waited on the lock in a statement like '{queryLike}'");
        Assert.True(await AuditRows.ScalarAsync<bool>(db, "SELECT pg_terminate_backend($1)", pid));
    }

    private static async Task AssertServiceUnavailableAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(TransientDatabaseFailureHandler.UnavailableTitle, problem.GetProperty("title").GetString());
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
    }
}
