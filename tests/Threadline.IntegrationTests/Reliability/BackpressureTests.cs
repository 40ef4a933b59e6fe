using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>A burst far beyond posts-api's write limits is shed with 503 + Retry-After, writes nothing for the refused, and the API recovers.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BackpressureTests(PlatformFixture platform, ITestOutputHelper output)
{
    [Fact]
    public async Task A_burst_beyond_capacity_is_shed_with_503_and_the_api_recovers()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        using var client = new HttpClient { BaseAddress = platform.App.GetEndpoint(ResourceNames.PostsApi, "http"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform.IssueToken($"burst-{run}"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 20 * PlatformFixture.WriteLimit).Select(async i =>
        {
            using var response = await client.PostAsJsonAsync("/posts", new { title = $"{run}-{i}" });
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
        }));
        var histogram = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", histogram.Select(h => $"{(int)h.Key}: {h.Value}")));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable], histogram.Keys.Order());
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable),
            r => Assert.Equal(("application/problem+json", TimeSpan.FromSeconds(1)), (r.MediaType, r.Delta)));
        await using var db = await platform.OpenDirectAsync();
        var written = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM public.posts WHERE title LIKE $1", run + "-%");
        var audited = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE table_name = 'posts' AND op = 'insert' AND data_after ->> 'title' LIKE $1", run + "-%");
        Assert.Equal((long)histogram[HttpStatusCode.Created], written);
        Assert.Equal(written, audited);

        using var after = await client.PostAsJsonAsync("/posts", new { title = $"{run}-after" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }
}
