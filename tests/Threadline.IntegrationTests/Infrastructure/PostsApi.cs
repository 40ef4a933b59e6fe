using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>A post created through the posts API, with what the response said about it.</summary>
public sealed record CreatedPost(HttpResponseMessage Response, long Id, long AuditTransactionId);

public static class PostsApi
{
    /// <summary>POSTs a post; reads the ids only from a successful response, so callers can still assert the status.</summary>
    public static async Task<CreatedPost> CreatePostAsync(this HttpClient client, string title, string body = "")
    {
        var response = await client.PostAsJsonAsync("/posts", new { title, body });
        if (!response.IsSuccessStatusCode)
        {
            return new CreatedPost(response, 0, 0);
        }

        var post = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new CreatedPost(response, post.GetProperty("id").GetInt64(), post.GetProperty("auditTransactionId").GetInt64());
    }

    public static long AuditTransactionHeader(this HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues("Threadline-Audit-Transaction-Id").Single(), CultureInfo.InvariantCulture);
}
