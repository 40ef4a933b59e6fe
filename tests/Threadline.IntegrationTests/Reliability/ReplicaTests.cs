using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Platform.Posts;
using Threadline.Testing;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>
/// posts-api, job-worker and admin with two instances each (issue 15, item 7): both instances of each run and answer;
/// writes spread over both API instances are each audited once with their own actor and request; with two outbox
/// dispatchers and two consumers every job is dispatched and applied exactly once; backpressure still sheds with 503.
/// Which instance did what comes from the instances themselves: the Service-Instance-Id header of each response and
/// the instance recorded in outbox_messages.dispatched_by and processed_messages.processed_by, matched against the
/// service.instance.id the AppHost handed each replica.
/// </summary>
[Collection(ReplicaPlatformCollection.Name)]
public sealed class ReplicaTests(ReplicaPlatformFixture platform, ITestOutputHelper output)
{
    private const int Writes = 200;
    private const int Actors = 10;
    private const string Body = "one two three four";
    private const string ForPosts = "(payload ->> 'PostId')::bigint = ANY ($1)";

    [Fact]
    public async Task Each_service_runs_two_instances_in_processes_of_their_own_and_both_answer()
    {
        foreach (var service in PlatformStarter.Services)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var instances = await ServiceInstances.WaitForRunningAsync(platform.App, service, ReplicaPlatformFixture.Replicas, timeout.Token);
            output.WriteLine($"{service}: {string.Join(", ", instances)}");

            Assert.Equal(ReplicaPlatformFixture.Replicas, instances.Count);
            Assert.Equal(instances.Count, instances.Select(i => i.Pid).Distinct().Count());
            Assert.All(instances, i =>
            {
                using var process = Process.GetProcessById(i.Pid);
                Assert.False(process.HasExited, $"{i.ResourceId}'s process {i.Pid} has exited");
            });
            var ids = InstanceIds(instances);
            Assert.Equal(instances.Count, ids.Count);

            var answered = await ServiceInstances.AnsweringAsync(platform.App.GetEndpoint(service, "http"), "/health", 40);
            Assert.Equal(ids.Order(), answered.Order());
        }
    }

    [Fact]
    public async Task Writes_over_both_api_instances_are_audited_once_each_and_every_job_is_dispatched_and_applied_once()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var apiIds = InstanceIds(platform.Instances[ResourceNames.PostsApi]);
        var workerIds = InstanceIds(platform.Instances[ResourceNames.JobWorker]);
        var tokens = Enumerable.Range(0, Actors).Select(a => platform.IssueToken(Actor(run, a))).ToArray();
        var written = new ConcurrentBag<Write>();
        using var client = new HttpClient { BaseAddress = platform.App.GetEndpoint(ResourceNames.PostsApi, "http"), Timeout = TimeSpan.FromMinutes(2) };

        // Below the write limit of one instance, so nothing is shed; a new connection per request, so the proxy spreads them.
        await Parallel.ForEachAsync(Enumerable.Range(0, Writes), new ParallelOptions { MaxDegreeOfParallelism = PlatformFixture.WriteLimit }, async (i, ct) =>
        {
            var request = $"{run}-{i}";
            using var message = new HttpRequestMessage(HttpMethod.Post, "/posts") { Content = JsonContent.Create(new { title = request, body = Body }) };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[i % Actors]);
            message.Headers.Add("X-Request-Id", request);
            message.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(message, ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var post = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            written.Add(new Write(post.GetProperty("id").GetInt64(), post.GetProperty("auditTransactionId").GetInt64(), Actor(run, i % Actors), request, ServiceInstances.InstanceOf(response)));
        });

        var byInstance = written.GroupBy(w => w.Instance ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"writes by posts-api instance: {Describe(byInstance)}");
        Assert.Equal(apiIds.Order(), byInstance.Keys.Order());

        var ids = written.Select(w => w.PostId).ToArray();
        Assert.Equal(Writes, ids.Distinct().Count());
        await using var db = await platform.OpenDirectAsync();
        await WaitAsync(db, "jobs applied", "SELECT count(*) FROM public.posts WHERE id = ANY ($1) AND indexed_at IS NOT NULL", ids);
        // The job can finish before its dispatcher commits the "dispatched" mark.
        await WaitAsync(db, "outbox rows dispatched", $"SELECT count(*) FROM public.outbox_messages WHERE {ForPosts} AND dispatched_at IS NOT NULL", ids);

        var messages = await MessagesAsync(db, ids);
        var dispatchedBy = messages.Values.GroupBy(m => m.DispatchedBy ?? "(none)").ToDictionary(g => g.Key, g => g.Count());
        var processedBy = messages.Values.GroupBy(m => m.ProcessedBy ?? "(not processed)").ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"outbox rows dispatched by posts-api instance: {Describe(dispatchedBy)}; messages applied by job-worker instance: {Describe(processedBy)}");
        Assert.Equal(Writes, messages.Count);
        Assert.Equal(apiIds.Order(), dispatchedBy.Keys.Order());
        Assert.Equal(workerIds.Order(), processedBy.Keys.Order());

        var audit = (await AuditRows.WhereAsync(platform, "c.table_name = 'posts' AND (c.row_key ->> 'id')::bigint = ANY ($1)", ids))
            .ToLookup(r => JsonDocument.Parse(r.RowKey!).RootElement.GetProperty("id").GetInt64());
        var mismatches = written.Where(w =>
        {
            var rows = audit[w.PostId].ToArray();
            return rows.Length != 2
                || rows.Count(r => r.Op == "insert" && r.TransactionId == w.AuditTransactionId && r.ActorId == w.Actor && r.RequestId == w.Request && r.Source == "http") != 1
                || rows.Count(r => r.Op == "update" && r.ActorId == w.Actor && r.Source == "job" && r.JobId == messages[w.PostId].MessageId.ToString("D")) != 1;
        }).Select(w => $"post {w.PostId}: {string.Join("; ", audit[w.PostId])}").ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} posts not audited exactly once by request and once by job:\n{string.Join("\n", mismatches.Take(5))}");

        var requests = written.Select(w => w.Request).ToArray();
        // Per request one transaction by the request and one by its job (which carries the request's audit context).
        async Task<(long Requests, long Transactions)> PerRequestAsync(string source) => (
            await AuditRows.ScalarAsync<long>(db, "SELECT count(DISTINCT request_id) FROM threadline.transactions WHERE request_id = ANY ($1) AND source = $2", requests, source),
            await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.transactions WHERE request_id = ANY ($1) AND source = $2", requests, source));
        Assert.Equal(((long)Writes, (long)Writes), await PerRequestAsync("http"));
        Assert.Equal(((long)Writes, (long)Writes), await PerRequestAsync("job"));
        var actors = Enumerable.Range(0, Actors).Select(a => Actor(run, a)).ToArray();
        Assert.Equal(((long)Writes, (long)Writes), (
            await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.actions WHERE name = $1 AND actor_id = ANY ($2)", PostActions.Create, (object)actors),
            await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.actions WHERE name = $1 AND actor_id = ANY ($2)", PostActions.Refresh, (object)actors)));
        Assert.Equal((long)Writes, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.posts WHERE id = ANY ($1) AND word_count = 4", ids));
    }

    [Fact]
    public async Task A_burst_beyond_both_instances_capacity_is_shed_by_each_with_503_and_both_recover()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var apiIds = InstanceIds(platform.Instances[ResourceNames.PostsApi]);
        using var client = new HttpClient { BaseAddress = platform.App.GetEndpoint(ResourceNames.PostsApi, "http"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform.IssueToken($"burst-{run}"));

        // Each instance runs WriteLimit writes and queues as many: 20 times one instance's capacity is 10 times both.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20 * PlatformFixture.WriteLimit * ReplicaPlatformFixture.Replicas).Select(async i =>
        {
            using var response = await client.PostAsJsonAsync("/posts", new { title = $"{run}-{i}" });
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta, Instance: ServiceInstances.InstanceOf(response));
        }));
        var histogram = responses.GroupBy(r => (r.Instance ?? "(none)", r.StatusCode)).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", histogram.OrderBy(h => h.Key).Select(h => $"{h.Key.Item1} {(int)h.Key.StatusCode}: {h.Value}")));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable], responses.Select(r => r.StatusCode).Distinct().Order());
        Assert.Equal(apiIds.Order(), responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).Select(r => r.Instance ?? "(none)").Distinct().Order());
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable),
            r => Assert.Equal(("application/problem+json", TimeSpan.FromSeconds(1)), (r.MediaType, r.Delta)));
        await using var db = await platform.OpenDirectAsync();
        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        var inserted = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.posts WHERE title LIKE $1", run + "-%");
        var audited = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE table_name = 'posts' AND op = 'insert' AND data_after ->> 'title' LIKE $1", run + "-%");
        Assert.Equal(((long)created, (long)created), (inserted, audited));

        // Both instances write again once the burst is over.
        var recovered = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 40 && !apiIds.IsSubsetOf(recovered); i++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "/posts") { Content = JsonContent.Create(new { title = $"{run}-after-{i}" }) };
            message.Headers.ConnectionClose = true;
            using var after = await client.SendAsync(message);
            Assert.Equal(HttpStatusCode.Created, after.StatusCode);
            recovered.Add(ServiceInstances.InstanceOf(after) ?? "(none)");
        }

        Assert.Equal(apiIds.Order(), recovered.Order());
    }

    private static string Actor(string run, int index) => $"replica-{run}-{index}";

    private static HashSet<string> InstanceIds(IEnumerable<ServiceInstanceInfo> instances) =>
        instances.Select(i => i.InstanceId ?? throw new Xunit.Sdk.XunitException($"{i.ResourceId} was given no service.instance.id")).ToHashSet(StringComparer.Ordinal);

    private static string Describe(Dictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));

    private static async Task WaitAsync(NpgsqlConnection db, string what, string countSql, long[] ids)
    {
        long done = 0;
        var all = await Eventually.TrueWithinAsync(TimeSpan.FromMinutes(4),
            async () => (done = await AuditRows.ScalarAsync<long>(db, countSql, ids)) == ids.Length, TimeSpan.FromMilliseconds(500));
        Assert.True(all, $"{what}: {done} of {ids.Length}");
    }

    /// <summary>Each post's outbox message with who dispatched it and who applied it (a left join: an unapplied one shows).</summary>
    private static async Task<Dictionary<long, Message>> MessagesAsync(NpgsqlConnection db, long[] ids)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT (o.payload ->> 'PostId')::bigint, o.message_id, o.dispatched_by, p.processed_by
              FROM public.outbox_messages o LEFT JOIN public.processed_messages p ON p.message_id = o.message_id
             WHERE {ForPosts}
            """, db);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync();
        var messages = new Dictionary<long, Message>();
        while (await reader.ReadAsync())
        {
            // One outbox row per post: a second one for the same post would fail here.
            messages.Add(reader.GetInt64(0), new Message(reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return messages;
    }

    private sealed record Write(long PostId, long AuditTransactionId, string Actor, string Request, string? Instance);

    private sealed record Message(Guid MessageId, string? DispatchedBy, string? ProcessedBy);
}
