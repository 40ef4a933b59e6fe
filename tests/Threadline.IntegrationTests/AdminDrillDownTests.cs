using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests;

/// <summary>The admin service's transaction drill-down: auditors only, through PgBouncer as the reader role.</summary>
[Collection(PlatformCollection.Name)]
public sealed class AdminDrillDownTests(PlatformFixture platform)
{
    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditTransaction)]
    public async Task Auditor_gets_the_transaction_and_its_changes()
    {
        var (postId, auditTransactionId, subject) = await CreatePostAsync();
        using var admin = platform.CreateClient(ResourceNames.AdminService, "auditor-1", PlatformAuth.AuditorRole);

        var response = await admin.GetAsync($"/api/v1/audit/transactions/{auditTransactionId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(subject, body.GetProperty("transaction").GetProperty("actorId").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("transaction").GetProperty("traceId").GetString()));
        var change = Assert.Single(body.GetProperty("changes").EnumerateArray());
        Assert.Equal("insert", change.GetProperty("op").GetString());
        Assert.Equal(postId, change.GetProperty("rowKey").GetProperty("id").GetInt64());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("99999999999999999999999")]
    public async Task Malformed_id_is_400_with_problem_details(string id)
    {
        using var admin = platform.CreateClient(ResourceNames.AdminService, "auditor-1", PlatformAuth.AuditorRole);

        var response = await admin.GetAsync($"/api/v1/audit/transactions/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_id_is_404_with_problem_details()
    {
        using var admin = platform.CreateClient(ResourceNames.AdminService, "auditor-1", PlatformAuth.AuditorRole);

        var response = await admin.GetAsync("/api/v1/audit/transactions/987654321012");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task No_token_is_401_and_a_token_without_the_auditor_role_is_403()
    {
        var (_, auditTransactionId, _) = await CreatePostAsync();
        using var anonymous = platform.CreateClient(ResourceNames.AdminService);
        using var plainUser = platform.CreateClient(ResourceNames.AdminService, "mallory");
        using var forged = platform.CreateClient(ResourceNames.AdminService);
        forged.DefaultRequestHeaders.Authorization = new("Bearer", PlatformAuth.IssueToken("forged-key-that-is-long-enough-0123456789", "mallory", [PlatformAuth.AuditorRole]));

        var noToken = await anonymous.GetAsync($"/api/v1/audit/transactions/{auditTransactionId}");
        var noRole = await plainUser.GetAsync($"/api/v1/audit/transactions/{auditTransactionId}");
        var wrongKey = await forged.GetAsync($"/api/v1/audit/transactions/{auditTransactionId}");

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("application/problem+json", noToken.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, noRole.StatusCode);
        Assert.Equal("application/problem+json", noRole.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
    }

    private async Task<(long PostId, long AuditTransactionId, string Subject)> CreatePostAsync()
    {
        var subject = $"frank-{Guid.NewGuid():N}";
        using var api = platform.CreateClient(ResourceNames.PostsApi, subject);
        var post = await api.CreatePostAsync("for the auditors");
        return (post.Id, post.AuditTransactionId, subject);
    }
}
