using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;

namespace Threadline.IntegrationTests;

/// <summary>The admin service's investigation API over real audit rows, through PgBouncer as the auditor role.</summary>
[Collection(PlatformCollection.Name)]
public sealed class InvestigationApiTests(PlatformFixture platform)
{
    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditChanges)]
    public async Task The_timeline_pages_an_actors_changes_with_a_stable_cursor()
    {
        var subject = $"pager-{Guid.NewGuid():N}";
        using var posts = platform.CreateClient(ResourceNames.PostsApi, subject);
        var created = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            created.Add((await posts.CreatePostAsync($"page {i}")).AuditTransactionId);
        }

        using var admin = Auditor();
        var first = await GetJsonAsync(admin, $"/api/v1/audit/changes?actorType=user&actorId={subject}&op=insert&limit=2");
        var second = await GetJsonAsync(admin, first.GetProperty("links").GetProperty("next").GetString()!);

        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("transactionId").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Reverse(created), seen);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [InlineData("/api/v1/audit/changes?tabel=posts", HttpStatusCode.BadRequest, "tabel")]
    [InlineData("/api/v1/audit/changes?table=posts&table=users", HttpStatusCode.BadRequest, "table")]
    [InlineData("/api/v1/audit/changes?table=posts&key=42", HttpStatusCode.BadRequest, "key")]
    [InlineData("/api/v1/audit/changes?key=%7B%22id%22%3A1%7D", HttpStatusCode.UnprocessableEntity, "key")]
    [InlineData("/api/v1/audit/changes?op=upsert", HttpStatusCode.BadRequest, "op")]
    [InlineData("/api/v1/audit/changes?actorType=robot", HttpStatusCode.BadRequest, "actorType")]
    [InlineData("/api/v1/audit/changes?actorId=7", HttpStatusCode.UnprocessableEntity, "actorId")]
    [InlineData("/api/v1/audit/changes?from=2026-11-27T10:00:00", HttpStatusCode.BadRequest, "from")]
    [InlineData("/api/v1/audit/changes?from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", HttpStatusCode.UnprocessableEntity, "from")]
    [InlineData("/api/v1/audit/changes?cursor=bm90LWEtY3Vyc29y", HttpStatusCode.BadRequest, "cursor")]
    [InlineData("/api/v1/audit/changes?limit=100000", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/api/v1/audit/changes?correlationId=%27%3B%20DROP%20TABLE%20threadline.changes%3B--", HttpStatusCode.OK, null)]
    [InlineData("/api/v1/audit/rows/public/posts/history", HttpStatusCode.BadRequest, "key")]
    [InlineData("/api/v1/audit/rows/public/posts/history?key=%7B%22id%22%3A1%7D&actorId=x", HttpStatusCode.BadRequest, "actorId")]
    [InlineData("/api/v1/audit/rows/public/posts/state?key=%7B%22id%22%3A1%7D", HttpStatusCode.BadRequest, "at")]
    [InlineData("/api/v1/audit/changes/abc/diff", HttpStatusCode.BadRequest, "id")]
    [InlineData("/api/v1/audit/changes/987654321012", HttpStatusCode.NotFound, null)]
    [InlineData("/api/v1/audit/actions/987654321012", HttpStatusCode.NotFound, null)]
    [InlineData("/api/v1/audit/export?format=xml", HttpStatusCode.BadRequest, "format")]
    [InlineData("/api/v1/audit/export?maxRows=0", HttpStatusCode.BadRequest, "maxRows")]
    [InlineData("/api/v1/audit/export?cursor=x", HttpStatusCode.BadRequest, "cursor")]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditChange)]
    public async Task Bad_queries_get_a_specific_problem_before_any_sql_runs(string url, HttpStatusCode status, string? parameter)
    {
        using var admin = Auditor();

        var response = await admin.GetAsync(url);

        Assert.Equal(status, response.StatusCode);
        if (status != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (parameter is not null)
            {
                Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
            }
        }
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("writer", HttpStatusCode.Forbidden)]
    public async Task Every_route_needs_an_auditor(string? role, HttpStatusCode expected)
    {
        using var client = role is null ? platform.CreateClient(ResourceNames.AdminService) : platform.CreateClient(ResourceNames.AdminService, "not-an-auditor", role);
        string[] routes =
        [
            "/api/v1/audit/changes", "/api/v1/audit/changes/1", "/api/v1/audit/changes/1/diff", "/api/v1/audit/transactions/1",
            "/api/v1/audit/rows/public/posts/history?key=%7B%22id%22%3A1%7D", "/api/v1/audit/rows/public/posts/state?key=%7B%22id%22%3A1%7D&at=2026-01-01T00:00:00Z",
            "/api/v1/audit/actors/user/x/activity", "/api/v1/audit/actions/1", "/api/v1/audit/export",
        ];

        foreach (var route in routes)
        {
            var response = await client.GetAsync(route);
            Assert.True(expected == response.StatusCode, $"{route}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditRowHistory)]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditRowState)]
    public async Task Row_history_and_point_in_time_state_give_distinct_answers()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("history", "(id integer PRIMARY KEY, v text)");
        await db.ExecAsync($"INSERT INTO public.{table} VALUES (1, 'before capture'), (3, 'untouched')");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table));
        var context = new AuditContext(ActorRef.User("historian"));
        var beforeInsert = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"INSERT INTO public.{table} VALUES (2, 'a')");
        var afterInsert = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"UPDATE public.{table} SET v = 'b' WHERE id = 2");
        var afterUpdate = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"DELETE FROM public.{table} WHERE id = 2");
        var afterDelete = await NowAsync(db);

        using var admin = Auditor();
        var history = await GetJsonAsync(admin, $"/api/v1/audit/rows/public/{table}/history?key={Uri.EscapeDataString("{\"id\":2}")}");
        Assert.Equal(["insert", "update", "delete"], history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("op").GetString()));

        async Task<JsonElement> StateAsync(int id, DateTimeOffset at) => await GetJsonAsync(admin,
            $"/api/v1/audit/rows/public/{table}/state?key={Uri.EscapeDataString($"{{\"id\":{id}}}")}&at={Uri.EscapeDataString(at.ToString("O"))}");

        Assert.Equal("NotYetCreated", (await StateAsync(2, beforeInsert)).GetProperty("state").GetString());
        var existing = await StateAsync(2, afterInsert);
        Assert.Equal(("Exists", "a"), (existing.GetProperty("state").GetString(), existing.GetProperty("data").GetProperty("v").GetString()));
        Assert.Equal("b", (await StateAsync(2, afterUpdate)).GetProperty("data").GetProperty("v").GetString());
        Assert.Equal("Deleted", (await StateAsync(2, afterDelete)).GetProperty("state").GetString());
        Assert.Equal("BeforeAuditing", (await StateAsync(2, beforeInsert.AddHours(-1))).GetProperty("state").GetString());
        Assert.Equal("NoHistory", (await StateAsync(3, afterDelete)).GetProperty("state").GetString());
    }

    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditChangeDiff)]
    public async Task A_diff_shows_masked_fields_as_masked_and_never_their_value()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("diffed", "(id integer PRIMARY KEY, name text, card text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card"] });
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("differ")),
            $"INSERT INTO public.{table} VALUES (1, 'old', '4111-secret-card')",
            $"UPDATE public.{table} SET name = 'new', card = '5500-other-secret'");
        var changeId = await AuditRows.ScalarAsync<long>(db, "SELECT max(id) FROM threadline.change_log WHERE table_name = $1", table);

        using var admin = Auditor();
        var response = await admin.GetAsync($"/api/v1/audit/changes/{changeId}/diff");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        var fields = JsonDocument.Parse(text).RootElement.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("field").GetString()!);
        Assert.Equal(("old", "new", true, false), (fields["name"].GetProperty("before").GetString(), fields["name"].GetProperty("after").GetString(), fields["name"].GetProperty("changed").GetBoolean(), fields["name"].GetProperty("masked").GetBoolean()));
        Assert.Equal((true, true), (fields["card"].GetProperty("changed").GetBoolean(), fields["card"].GetProperty("masked").GetBoolean()));
        Assert.False(fields["id"].GetProperty("changed").GetBoolean());
    }

    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.CreatePost)]
    [Evidence.ProvesPath(Evidence.AuditedPaths.RefreshPostJob)]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditAction)]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditActorActivity)]
    public async Task Actions_link_http_and_job_changes_and_the_correlation_filter_finds_both()
    {
        var subject = $"actor-{Guid.NewGuid():N}";
        var correlationId = Guid.NewGuid().ToString("D");
        using var posts = platform.CreateClient(ResourceNames.PostsApi, subject);
        posts.DefaultRequestHeaders.Add("X-Correlation-Id", correlationId);
        var created = await posts.CreatePostAsync("correlated", "three little words");
        await AuditRows.WaitForPostAsync(platform, created.Id, rows => rows.Any(r => r.Source == "job"));

        using var admin = Auditor();
        var bundle = await GetJsonAsync(admin, $"/api/v1/audit/changes?correlationId={correlationId}&order=asc");
        var items = bundle.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(["insert", "update"], items.Select(i => i.GetProperty("op").GetString()));
        Assert.All(items, i => Assert.True(i.GetProperty("actionId").ValueKind == JsonValueKind.Number, $"change {i.GetProperty("id")} has no action"));

        var jobAction = await GetJsonAsync(admin, $"/api/v1/audit/actions/{items[1].GetProperty("actionId").GetInt64()}");
        Assert.Equal(("posts.refresh", subject, correlationId), (jobAction.GetProperty("action").GetProperty("name").GetString(),
            jobAction.GetProperty("action").GetProperty("actorId").GetString(), jobAction.GetProperty("action").GetProperty("correlationId").GetString()));
        Assert.Equal(items[1].GetProperty("id").GetInt64(), Assert.Single(jobAction.GetProperty("changes").GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());

        var byName = await GetJsonAsync(admin, $"/api/v1/audit/changes?actionName=posts.create&table=posts&key={Uri.EscapeDataString($"{{\"id\":{created.Id}}}")}");
        Assert.Equal(created.AuditTransactionId, Assert.Single(byName.GetProperty("items").EnumerateArray()).GetProperty("transactionId").GetInt64());

        var activity = await GetJsonAsync(admin, $"/api/v1/audit/actors/user/{subject}/activity");
        Assert.Equal([("posts", "insert", 1L), ("posts", "update", 1L)], activity.EnumerateArray().Select(a => (a.GetProperty("tableName").GetString(), a.GetProperty("op").GetString(), a.GetProperty("changes").GetInt64())));
    }

    [Fact]
    [Evidence.ProvesPath(Evidence.AuditedPaths.AuditExport)]
    public async Task Exports_stream_csv_ndjson_and_json_with_an_exact_truncation_flag_and_redaction_kept()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("exported", "(id integer PRIMARY KEY, note text, card text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card"] });
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("exporter")),
            $"INSERT INTO public.{table} SELECT g, 'line \"' || g || '\", with comma' || chr(10) || 'and newline', 'card-secret-' || g FROM generate_series(1, 5) g");

        using var admin = Auditor();
        var query = $"/api/v1/audit/export?table={table}";
        var csv = await admin.GetAsync(query + "&format=csv");
        var csvText = await csv.Content.ReadAsStringAsync();
        var ndjson = await (await admin.GetAsync(query + "&format=ndjson")).Content.ReadAsStringAsync();
        var capped = await admin.GetAsync(query + "&format=json&maxRows=2");
        var cappedBody = await capped.Content.ReadFromJsonAsync<JsonElement>();
        var dryRun = await GetJsonAsync(admin, query + "&dryRun=true&maxRows=4");

        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("false", csv.Headers.GetValues("Threadline-Export-Truncated").Single());
        Assert.StartsWith("id,transaction_id,captured_at,table_schema,table_name,op,row_key,", csvText, StringComparison.Ordinal);
        var records = CsvRecords(csvText);
        Assert.Equal(6, records.Count);
        Assert.All(records, r => Assert.Equal(21, r.Count));
        Assert.Equal("context_refused", records[0][^1]);
        Assert.Equal("line \"1\", with comma\nand newline", JsonDocument.Parse(records[1][9]).RootElement.GetProperty("note").GetString());
        Assert.Equal(5, ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("true", capped.Headers.GetValues("Threadline-Export-Truncated").Single());
        Assert.Equal((true, 2), (cappedBody.GetProperty("truncated").GetBoolean(), cappedBody.GetProperty("items").GetArrayLength()));
        Assert.Equal((5L, true), (dryRun.GetProperty("matchingRows").GetInt64(), dryRun.GetProperty("wouldTruncate").GetBoolean()));
        Assert.All(new[] { csvText, ndjson, cappedBody.GetRawText() }, body => Assert.DoesNotContain("card-secret", body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_investigation_routes()
    {
        using var anonymous = platform.CreateClient(ResourceNames.AdminService);

        var document = await anonymous.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/v1/audit/changes", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/audit/export", document, StringComparison.Ordinal);
    }

    private HttpClient Auditor() => platform.CreateClient(ResourceNames.AdminService, "auditor-investigation", PlatformAuth.AuditorRole);

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<DateTimeOffset> NowAsync(NpgsqlConnection db) =>
        new(DateTime.SpecifyKind(await AuditRows.ScalarAsync<DateTime>(db, "SELECT clock_timestamp()"), DateTimeKind.Utc));

    /// <summary>A strict RFC 4180 reader, independent of the exporter: CRLF records, quoted fields with doubled quotes.</summary>
    private static List<List<string>> CsvRecords(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { field.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') { record.Add(field.ToString()); field.Clear(); records.Add(record); record = []; i++; }
            else { field.Append(c); }
        }

        return records;
    }
}
