using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests;

/// <summary>The audited HTTP paths of the posts API, through PgBouncer in transaction mode.</summary>
[Collection(PlatformCollection.Name)]
public sealed class HttpPathTests(PlatformFixture platform)
{
    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.CreatePost)]
    public async Task Create_records_the_token_subject_as_actor_with_request_and_correlation_ids()
    {
        var subject = $"alice-{Guid.NewGuid():N}";
        var correlationId = Guid.NewGuid().ToString("D");
        using var client = platform.CreateClient(ResourceNames.PostsApi, subject);
        client.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);
        client.DefaultRequestHeaders.Add("X-Request-Id", "req-" + correlationId);

        var (response, postId, auditTransactionId) = await client.CreatePostAsync("Audited through PgBouncer", "one two three");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(auditTransactionId, response.AuditTransactionHeader());

        var rows = await AuditRows.ForTransactionAsync(platform, auditTransactionId);
        var insert = Assert.Single(rows);
        Assert.Equal(("insert", "posts"), (insert.Op, insert.TableName));
        Assert.Equal($$"""{"id": {{postId}}}""", insert.RowKey);
        Assert.Equal(("user", subject), (insert.ActorType, insert.ActorId));
        Assert.Equal(correlationId, insert.CorrelationId);
        Assert.Equal("req-" + correlationId, insert.RequestId);
        Assert.Equal("http", insert.Source);
    }

    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.UpdatePost)]
    [Evidence.ProvesPath(Evidence.AuditedPaths.DeletePost)]
    public async Task Update_and_delete_are_audited_with_changed_fields_and_the_actor()
    {
        var subject = $"bob-{Guid.NewGuid():N}";
        using var client = platform.CreateClient(ResourceNames.PostsApi, subject);
        var postId = (await client.CreatePostAsync("before")).Id;

        var updated = await client.PutAsJsonAsync($"/posts/{postId}", new { title = "after", body = "" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var deleted = await client.DeleteAsync($"/posts/{postId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var deleteTransactionId = deleted.AuditTransactionHeader();

        var rows = await AuditRows.ForPostAsync(platform, postId);
        var update = Assert.Single(rows, r => r.Op == "update" && r.Source == "http");
        Assert.Contains("title", update.ChangedFields!);
        Assert.Equal(subject, update.ActorId);
        var delete = Assert.Single(rows, r => r.Op == "delete");
        Assert.Equal(deleteTransactionId, delete.TransactionId);
        Assert.Equal(subject, delete.ActorId);
    }

    [Fact]
    public async Task No_token_is_401_with_a_problem_details_body()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi);

        var response = await client.PostAsJsonAsync("/posts", new { title = "anonymous" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Invalid_input_is_rejected_with_problem_details_and_writes_nothing()
    {
        using var client = platform.CreateClient(ResourceNames.PostsApi, "carol");

        var missingTitle = await client.PostAsJsonAsync("/posts", new { body = "no title" });
        var malformed = await client.PostAsync("/posts", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        var unknown = await client.PutAsJsonAsync("/posts/987654321", new { title = "ghost" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, missingTitle.StatusCode);
        Assert.Equal("application/problem+json", missingTitle.Content.Headers.ContentType?.MediaType);
        Assert.Contains("title", await missingTitle.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    [Evidence.ProvesTopology]
    public async Task Services_reach_PostgreSQL_only_through_PgBouncer()
    {
        var pooled = new global::Npgsql.NpgsqlConnectionStringBuilder(platform.AppConnectionString);
        var direct = new global::Npgsql.NpgsqlConnectionStringBuilder(platform.DirectConnectionString);
        var pgbouncerPort = platform.App.GetEndpoint(ResourceNames.PgBouncer, "tcp").Port;

        Assert.Equal(pgbouncerPort, pooled.Port);
        Assert.NotEqual(direct.Port, pooled.Port);
        Assert.True(pooled.NoResetOnClose);
        Assert.Equal(0, pooled.MaxAutoPrepare);
    }
}
