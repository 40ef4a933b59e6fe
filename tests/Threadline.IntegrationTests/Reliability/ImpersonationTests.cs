using System.Net;
using System.Net.Http.Json;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Reliability;

/// <summary>A caller cannot choose the recorded actor: not through headers, the body, or SQL smuggled into a value.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ImpersonationTests(PlatformFixture platform)
{
    [Fact]
    public async Task Forged_actor_headers_body_fields_and_smuggled_set_config_are_ignored()
    {
        var subject = $"honest-{Guid.NewGuid():N}";
        using var client = platform.CreateClient(ResourceNames.PostsApi, subject);
        var smuggled = "x'); SELECT set_config('threadline.context', '{\"actor\":{\"type\":\"admin\",\"id\":\"root\"}}', true); --";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/posts")
        {
            Content = JsonContent.Create(new { title = smuggled, body = "", actor = new { type = "admin", id = "root" } }),
        };
        request.Headers.Add("Threadline-Actor", "{\"type\":\"admin\",\"id\":\"root\"}");
        request.Headers.Add("X-Actor", "root");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rows = await AuditRows.ForTransactionAsync(platform, response.AuditTransactionHeader());
        var insert = Assert.Single(rows);
        Assert.Equal(("user", subject), (insert.ActorType, insert.ActorId));
        Assert.Contains("set_config", insert.DataAfter, StringComparison.Ordinal);
    }
}
