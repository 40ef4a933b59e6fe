using System.Net;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests;

/// <summary>The audited job path: the posts API publishes PostChanged; the worker's write carries the original actor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class JobPathTests(PlatformFixture platform)
{
    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.RefreshPostJob)]
    public async Task Worker_write_records_the_original_actor_the_job_id_and_the_correlation_id()
    {
        var subject = $"dana-{Guid.NewGuid():N}";
        var correlationId = Guid.NewGuid().ToString("D");
        using var client = platform.CreateClient(ResourceNames.PostsApi, subject);
        client.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);

        var (response, postId, _) = await client.CreatePostAsync("job path", "four words in body");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var rows = await AuditRows.WaitForPostAsync(platform, postId, r => r.Any(x => x.Source == "job"));
        var jobWrite = Assert.Single(rows, r => r.Source == "job");
        Assert.Equal("update", jobWrite.Op);
        Assert.Equal(("user", subject), (jobWrite.ActorType, jobWrite.ActorId));
        Assert.Equal(correlationId, jobWrite.CorrelationId);
        Assert.True(Guid.TryParse(jobWrite.JobId, out _), $"job id should be the message id, was '{jobWrite.JobId}'");
        Assert.Contains("word_count", jobWrite.ChangedFields!);

        var httpWrite = Assert.Single(rows, r => r.Source == "http");
        Assert.NotEqual(httpWrite.TransactionId, jobWrite.TransactionId);
        Assert.Null(httpWrite.JobId);
    }
}
