using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Platform;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>
/// More than 10,000 audited transactions from 50 actors at once through the 3-connection PgBouncer pool, mixing HTTP
/// writes, the job writes they cause and direct library use. Afterwards every committed business row has exactly its
/// audit row, attributed to its own actor, request and job.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class MixedLoadTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const int Actors = 50;
    private const int HttpWrites = 2_000;
    private const int DirectWrites = 6_500;

    [Fact]
    public async Task Ten_thousand_transactions_from_fifty_actors_lose_and_misattribute_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await using (var db = await platform.OpenDirectAsync())
        {
            await db.ExecAsync($"""
                CREATE TABLE public.load_{run} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, actor text NOT NULL, request text NOT NULL);
                GRANT INSERT, SELECT ON public.load_{run} TO {PlatformRoles.AppUser};
                """);
            await new Capture.CaptureManager().EnableAsync(db, new Capture.TableCaptureOptions($"load_{run}") { RequireActor = true });
        }

        var clients = Enumerable.Range(0, Actors).Select(a => platform.CreateClient(ResourceNames.PostsApi, Actor(run, a))).ToArray();
        var posts = new ConcurrentDictionary<long, (string Actor, string Request)>();
        var clock = Stopwatch.StartNew();
        var http = Parallel.ForEachAsync(Enumerable.Range(0, HttpWrites), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, ct) =>
        {
            var request = $"{run}-http-{i}";
            using var message = new HttpRequestMessage(HttpMethod.Post, "/posts") { Content = System.Net.Http.Json.JsonContent.Create(new { title = request, body = "load test body" }) };
            message.Headers.Add("X-Request-Id", request);
            using var response = await clients[i % Actors].SendAsync(message, ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("id").GetInt64();
            posts[id] = (Actor(run, i % Actors), request);
        });
        await using var dataSource = NpgsqlDataSource.Create(platform.AppConnectionString);
        var direct = Parallel.ForEachAsync(Enumerable.Range(0, DirectWrites), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (i, ct) =>
        {
            var actor = Actor(run, i % Actors);
            var request = $"{run}-direct-{i}";
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var batch = new NpgsqlBatch(connection);
            var insert = new NpgsqlBatchCommand($"INSERT INTO public.load_{run} (actor, request) VALUES ($1, $2)");
            insert.Parameters.Add(new NpgsqlParameter { Value = actor });
            insert.Parameters.Add(new NpgsqlParameter { Value = request });
            batch.BatchCommands.Add(insert);
            batch.WithAuditContext(new AuditContext(ActorRef.User(actor)) { RequestId = request, Source = "direct" });
            await batch.ExecuteNonQueryAsync(ct);
        });
        await Task.WhenAll(http, direct);
        var written = clock.Elapsed;
        await WaitForJobsAsync(posts.Keys.ToArray());
        var settled = clock.Elapsed;
        foreach (var client in clients)
        {
            client.Dispose();
        }

        await using var check = await platform.OpenDirectAsync();
        var directRows = await AuditRows.ScalarAsync<long>(check, $"SELECT count(*) FROM public.load_{run}");
        var directMismatches = await AuditRows.ScalarAsync<long>(check, $"""
            SELECT count(*) FROM public.load_{run} l
             WHERE (SELECT count(*) FROM threadline.changes c JOIN threadline.changes t ON t.id = c.tx_id
                     WHERE c.table_id = (SELECT tb.table_id FROM threadline.tables tb WHERE tb.table_name = 'load_{run}')
                       AND c.row_key = l.id::text AND c.op = 'i' AND t.actor_id = l.actor AND t.request_id = l.request AND t.source = 'direct') <> 1
            """);
        var ids = posts.Keys.ToArray();
        var httpMismatches = 0;
        var jobMismatches = 0;
        var audit = (await AuditRows.WhereAsync(platform, "c.table_name = 'posts' AND (c.row_key ->> 'id')::bigint = ANY ($1)", ids)).ToLookup(r => long.Parse(System.Text.Json.JsonDocument.Parse(r.RowKey!).RootElement.GetProperty("id").GetRawText(), System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (id, (actor, request)) in posts)
        {
            var rows = audit[id].ToArray();
            httpMismatches += rows.Count(r => r.Op == "insert" && r.ActorId == actor && r.RequestId == request && r.Source == "http") == 1 ? 0 : 1;
            jobMismatches += rows.Count(r => r.Op == "update" && r.ActorId == actor && r.Source == "job" && r.JobId is not null) == 1 && rows.Length == 2 ? 0 : 1;
        }

        var transactions = DirectWrites + (2 * HttpWrites);
        output.WriteLine($"{transactions} audited transactions ({HttpWrites} HTTP, {HttpWrites} job, {DirectWrites} direct) from {Actors} actors: writes took {written.TotalSeconds:F1} s ({transactions / settled.TotalSeconds:F0} tx/s until every job settled at {settled.TotalSeconds:F1} s)");
        output.WriteLine($"mismatches: direct {directMismatches}, http {httpMismatches}, job {jobMismatches}");
        Assert.Equal((long)DirectWrites, directRows);
        Assert.Equal(HttpWrites, posts.Count);
        Assert.Equal((0L, 0, 0), (directMismatches, httpMismatches, jobMismatches));
    }

    private static string Actor(string run, int index) => $"load-{run}-{index}";

    private async Task WaitForJobsAsync(long[] ids)
    {
        await using var db = await platform.OpenDirectAsync();
        long pending = ids.Length;
        var done = await Eventually.TrueWithinAsync(TimeSpan.FromMinutes(4), async () =>
            (pending = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.posts WHERE id = ANY ($1) AND indexed_at IS NULL", ids)) == 0,
            TimeSpan.FromMilliseconds(500));
        Assert.True(done, $"{pending} of {ids.Length} jobs never ran");
    }
}
