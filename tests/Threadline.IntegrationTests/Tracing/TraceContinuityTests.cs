using System.Net;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Tracing;

/// <summary>
/// One trace per audited write: the outbox row keeps the request's trace context, the dispatcher's publish continues
/// it, and the job-worker's consume (and so its audit transaction) is part of the request's trace.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TraceContinuityTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_jobs_audit_transaction_records_the_trace_id_of_the_request()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi, $"tracy-{Guid.NewGuid():N}");
        var (response, postId, _) = await client.CreatePostAsync("one trace", "from request to job");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var rows = await AuditRows.WaitForPostAsync(platform, postId, r => r.Any(x => x.Source == "job"));
        var httpWrite = Assert.Single(rows, r => r.Source == "http");
        var jobWrite = Assert.Single(rows, r => r.Source == "job");
        Assert.Matches("^[0-9a-f]{32}$", httpWrite.TraceId);
        Assert.Equal(httpWrite.TraceId, jobWrite.TraceId);
        Assert.NotEqual(httpWrite.TransactionId, jobWrite.TransactionId);
    }

    [Fact]
    public async Task The_outbox_row_keeps_the_requests_traceparent()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi, $"tracy-{Guid.NewGuid():N}");
        var (response, postId, _) = await client.CreatePostAsync("outbox trace context");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var httpWrite = Assert.Single(await AuditRows.ForPostAsync(platform, postId), r => r.Source == "http");

        await using var db = await platform.OpenDirectAsync();
        var traceParent = await AuditRows.ScalarAsync<string>(db,
            "SELECT trace_parent FROM public.outbox_messages WHERE payload ->> 'PostId' = $1", postId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // W3C: version-traceid-spanid-flags, sampled.
        Assert.Matches($"^00-{httpWrite.TraceId}-[0-9a-f]{{16}}-01$", traceParent);
    }
}
