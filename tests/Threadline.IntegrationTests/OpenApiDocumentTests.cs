using System.Text.Json;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests;

/// <summary>
/// The OpenAPI documents of the running services list, for every route, its success response with a schema and each
/// problem-details status it can answer: what typed results and the routes' ProducesProblem declarations give.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenApiDocumentTests(PlatformFixture platform)
{
    private const string Problem = "application/problem+json";

    public static TheoryData<string, string, string, string, string, int[]> Routes => new()
    {
        // service, method, path, success status, success schema (or content type for a streamed body), problem statuses
        { ResourceNames.AdminService, "get", "/api/v1/audit/changes", "200", "ChangesPageResponse", [400, 401, 403, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/changes/{id}", "200", "AuditEntry", [400, 401, 403, 404, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/changes/{id}/diff", "200", "ChangeDiff", [400, 401, 403, 404, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/transactions/{id}", "200", "TransactionChangesResponse", [400, 401, 403, 404, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/rows/{schema}/{table}/history", "200", "ChangesPageResponse", [400, 401, 403, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/rows/{schema}/{table}/state", "200", "RowState", [400, 401, 403, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/actors/{type}/{id}/activity", "200", "ActorActivity", [400, 401, 403, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/actions/{id}", "200", "ActionResponse", [400, 401, 403, 404, 422] },
        { ResourceNames.AdminService, "get", "/api/v1/audit/export", "200", "text/csv", [400, 401, 403, 422] },
        { ResourceNames.PostsApi, "post", "/posts", "201", "PostResponse", [400, 401, 422, 503] },
        { ResourceNames.PostsApi, "put", "/posts/{id}", "200", "PostResponse", [400, 401, 404, 422, 503] },
        { ResourceNames.PostsApi, "delete", "/posts/{id}", "204", "", [401, 404, 503] },
        { ResourceNames.PostsApi, "get", "/posts/{id}", "200", "PostResponse", [401, 404] },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_documents_its_success_type_and_each_problem_status(string service, string method, string path, string success, string schema, int[] problems)
    {
        var operation = (await DocumentAsync(service)).GetProperty("paths").GetProperty(path).GetProperty(method);
        var responses = operation.GetProperty("responses");

        var documented = responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(problems.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(success).Order(StringComparer.Ordinal), documented);

        var ok = responses.GetProperty(success);
        if (schema.Contains('/', StringComparison.Ordinal))
        {
            Assert.True(ok.GetProperty("content").TryGetProperty(schema, out _), $"{method} {path}: {success} does not list {schema}");
        }
        else if (schema.Length > 0)
        {
            Assert.Contains(schema, ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetRawText(), StringComparison.Ordinal);
        }

        foreach (var status in problems)
        {
            var content = responses.GetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetProperty("content");
            Assert.Contains("ProblemDetails", content.GetProperty(Problem).GetProperty("schema").GetRawText(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(ResourceNames.AdminService)]
    [InlineData(ResourceNames.PostsApi)]
    public async Task Every_documented_operation_is_in_the_expected_list(string service)
    {
        var expected = Routes.Select(r => ((string)r[0], (string)r[1], (string)r[2])).Where(r => r.Item1 == service).Select(r => (r.Item2, r.Item3)).ToHashSet();
        var paths = (await DocumentAsync(service)).GetProperty("paths");
        var documented = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(m => (m.Name, p.Name))).ToHashSet();
        Assert.Equal(expected.Order(), documented.Order());
    }

    private async Task<JsonElement> DocumentAsync(string service)
    {
        // The documents describe routes, no data: served to anonymous callers.
        using var anonymous = platform.CreateClient(service);
        return JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
    }
}
