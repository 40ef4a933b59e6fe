using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Platform;
using Threadline.Platform.Posts;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>
/// Issue 7, item 5: a masked or excluded value never appears in audit rows, API responses, exports or UI pages, and
/// values written through the services never reach their logs or their database spans.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class RedactionEverywhereTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly string[] LoggedResources =
        [ResourceNames.PostsApi, ResourceNames.JobWorker, ResourceNames.AdminService, ResourceNames.Postgres, ResourceNames.PgBouncer];

    [Fact]
    public async Task Masked_and_excluded_values_appear_in_no_audit_row_api_response_export_or_page()
    {
        var runId = Guid.NewGuid().ToString("N")[..10];
        string[] secrets = [$"masked-card-{runId}-4111", $"masked-card2-{runId}-5500", $"masked-json-{runId}", $"excluded-ssn-{runId}-123", $"excluded-ssn2-{runId}-456"];
        var visible = $"visible-name-{runId}";
        var renamed = $"renamed-{runId}";
        var actor = $"redaction-writer-{runId}";
        var correlationId = $"redaction-{runId}";

        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("redacted", "(id integer PRIMARY KEY, name text, card text, profile jsonb, ssn text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["card", "profile"], Exclude = ["ssn"] });
        var context = new AuditContext(ActorRef.User(actor)) { CorrelationId = correlationId };

        long actionId;
        await using (var tx = await db.BeginAuditedTransactionAsync(context))
        {
            await db.ExecAsync($"INSERT INTO public.{table} VALUES (1, '{visible}', '{secrets[0]}', '{{\"pan\":\"{secrets[2]}\"}}', '{secrets[3]}'), (2, 'second', '{secrets[0]}', NULL, '{secrets[3]}')", tx);
            actionId = await tx.RecordActionAsync("redaction.insert");
            await tx.CommitAsync();
        }

        var afterInsert = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"UPDATE public.{table} SET card = '{secrets[1]}', ssn = '{secrets[4]}', profile = '{{\"pan\":\"{secrets[1]}\"}}' WHERE id = 1");
        var afterUpdate = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"UPDATE public.{table} SET name = '{renamed}' WHERE id = 1");
        var afterRename = await NowAsync(db);
        await db.ExecAuditedAsync(context, $"DELETE FROM public.{table} WHERE id = 2");

        // 1. The audit tables, every column of every row of every table of the schema, read as the superuser.
        var found = new List<string>();
        foreach (var auditTable in await AuditTablesAsync(db))
        {
            foreach (var secret in secrets)
            {
                var hits = await AuditRows.ScalarAsync<long>(db, $"SELECT count(*) FROM threadline.\"{auditTable}\" x WHERE strpos(x::text, $1) > 0", secret);
                if (hits > 0)
                {
                    found.Add($"threadline.{auditTable}: {hits} row(s) contain '{secret}'");
                }
            }
        }

        var changeCount = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id WHERE tb.table_name = $1", table);
        var insertImage = await AuditRows.ScalarAsync<string>(db, "SELECT c.data_after::text FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id WHERE tb.table_name = $1 AND c.op = 'i' AND c.row_key = '1'", table);
        var excludedNamed = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id WHERE tb.table_name = $1 AND (c.data_after ? 'ssn' OR c.data_before ? 'ssn')", table);
        Assert.Equal(5L, changeCount);
        Assert.Contains("\"card\": \"[REDACTED]\"", insertImage, StringComparison.Ordinal);
        Assert.Contains(visible, insertImage, StringComparison.Ordinal);
        Assert.Equal(0L, excludedNamed);

        // 2. Every investigation API response about these rows, exports included, as an auditor.
        using var auditor = platform.CreateClient(ResourceNames.AdminService, $"redaction-auditor-{runId}", PlatformAuth.AuditorRole);
        var responses = new List<(string Url, string Body)>();
        async Task<string> GetAsync(string url)
        {
            using var response = await auditor.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {body}");
            responses.Add((url, body));
            return body;
        }

        string Key(int id) => Uri.EscapeDataString($"{{\"id\":{id}}}");
        string At(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var timeline = JsonDocument.Parse(await GetAsync($"/api/v1/audit/changes?table={table}&limit=500&order=asc")).RootElement;
        var items = timeline.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(5, items.Length);
        foreach (var item in items)
        {
            var id = item.GetProperty("id").GetInt64();
            await GetAsync($"/api/v1/audit/changes/{id}");
            var diff = await GetAsync($"/api/v1/audit/changes/{id}/diff");
            if (item.GetProperty("op").GetString() == "update" && item.GetProperty("changedFields").EnumerateArray().Any(f => f.GetString() == "card"))
            {
                var card = JsonDocument.Parse(diff).RootElement.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("field").GetString() == "card");
                Assert.True(card.GetProperty("masked").GetBoolean() && card.GetProperty("changed").GetBoolean(), diff);
            }
        }

        foreach (var transactionId in items.Select(i => i.GetProperty("transactionId").GetInt64()).Distinct())
        {
            await GetAsync($"/api/v1/audit/transactions/{transactionId}");
        }

        await GetAsync($"/api/v1/audit/actions/{actionId}");
        await GetAsync($"/api/v1/audit/changes?correlationId={correlationId}");
        await GetAsync($"/api/v1/audit/rows/public/{table}/history?key={Key(1)}");
        await GetAsync($"/api/v1/audit/rows/public/{table}/history?key={Key(2)}");
        var stateAfterInsert = JsonDocument.Parse(await GetAsync($"/api/v1/audit/rows/public/{table}/state?key={Key(1)}&at={At(afterInsert)}")).RootElement;
        Assert.Equal((visible, "[REDACTED]"), (stateAfterInsert.GetProperty("data").GetProperty("name").GetString(), stateAfterInsert.GetProperty("data").GetProperty("card").GetString()));
        await GetAsync($"/api/v1/audit/rows/public/{table}/state?key={Key(1)}&at={At(afterUpdate)}");
        await GetAsync($"/api/v1/audit/rows/public/{table}/state?key={Key(1)}&at={At(afterRename)}");
        await GetAsync($"/api/v1/audit/rows/public/{table}/state?key={Key(2)}&at={At(afterRename)}");
        await GetAsync($"/api/v1/audit/actors/user/{actor}/activity");
        foreach (var format in new[] { "csv", "ndjson", "json" })
        {
            var export = await GetAsync($"/api/v1/audit/export?table={table}&format={format}");
            Assert.Contains(renamed, export, StringComparison.Ordinal);
        }

        await GetAsync($"/api/v1/audit/export?table={table}&dryRun=true");

        // 3. The investigation pages, as the same auditor.
        var pages = new List<string>
        {
            $"/ui?table={table}",
            $"/ui?correlationId={correlationId}",
            $"/ui/rows/public/{table}?key={Key(1)}",
            $"/ui/rows/public/{table}?key={Key(1)}&at={At(afterInsert)}",
            $"/ui/rows/public/{table}?key={Key(1)}&at={At(afterUpdate)}",
            $"/ui/rows/public/{table}?key={Key(1)}&at={At(afterRename)}",
            $"/ui/rows/public/{table}?key={Key(2)}&at={At(afterInsert)}",
        };
        pages.AddRange(items.Select(i => i.GetProperty("transactionId").GetInt64()).Distinct().Select(id => $"/ui/transactions/{id}"));
        foreach (var page in pages)
        {
            await GetAsync(page);
        }

        Assert.Contains(responses, r => r.Url.StartsWith("/ui/rows", StringComparison.Ordinal) && r.Body.Contains(visible, StringComparison.Ordinal));
        // The pages show a masked field as the word "masked", never the placeholder or the value.
        Assert.Contains(responses, r => r.Url.StartsWith("/ui/transactions", StringComparison.Ordinal) && r.Body.Contains("<span class=\"masked\">masked</span>", StringComparison.Ordinal));
        foreach (var (url, body) in responses)
        {
            found.AddRange(secrets.Where(s => body.Contains(s, StringComparison.Ordinal)).Select(s => $"GET {url} contains '{s}'"));
        }

        output.WriteLine($"Checked {(await AuditTablesAsync(db)).Count} audit tables, {responses.Count(r => !r.Url.StartsWith("/ui", StringComparison.Ordinal))} API responses and {pages.Count} pages for {secrets.Length} secrets.");
        Assert.True(found.Count == 0, "Masked or excluded values leaked:\n" + string.Join("\n", found));
    }

    [Fact]
    public async Task Values_sent_through_the_services_never_reach_their_logs()
    {
        var runId = Guid.NewGuid().ToString("N")[..10];
        var title = $"log-title-secret-{runId}";
        var body = $"log-body-secret-{runId}";
        var title2 = $"log-title2-secret-{runId}";
        string[] secrets = [title, body, title2];
        await using var logs = new ResourceLogs(platform.App, LoggedResources);

        using var writer = platform.CreateClient(ResourceNames.PostsApi, $"log-writer-{runId}");
        var created = await writer.CreatePostAsync(title, body);
        Assert.Equal(HttpStatusCode.Created, created.Response.StatusCode);
        await AuditRows.WaitForPostAsync(platform, created.Id, rows => rows.Any(r => r.Source == "job"));
        using var updated = await writer.PutAsJsonAsync($"/posts/{created.Id}", new { title = title2, body });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        // Error paths, where a value is most likely to be echoed into a log line.
        using var tooLong = await writer.PostAsJsonAsync("/posts", new { title = title + new string('x', 300), body });
        using var withNul = await writer.PostAsJsonAsync("/posts", new { title = title + "\0", body });
        using var truncated = await writer.PostAsync("/posts", new StringContent($"{{\"title\":\"{title}", Encoding.UTF8, "application/json"));
        using var wrongType = await writer.PostAsync("/posts", new StringContent($"{{\"title\":{{\"x\":\"{title}\"}}}}", Encoding.UTF8, "application/json"));
        Assert.Equal([422, 422, 400, 400], new[] { tooLong, withNul, truncated, wrongType }.Select(r => (int)r.StatusCode));

        // The admin service reads the values back (they are not masked in posts) and serves them.
        using var auditor = platform.CreateClient(ResourceNames.AdminService, $"log-auditor-{runId}", PlatformAuth.AuditorRole);
        var key = Uri.EscapeDataString($"{{\"id\":{created.Id}}}");
        var served = new StringBuilder();
        foreach (var url in new[]
        {
            $"/api/v1/audit/changes?table=posts&key={key}",
            $"/api/v1/audit/transactions/{created.AuditTransactionId}",
            $"/api/v1/audit/export?table=posts&key={key}&format=csv",
            $"/ui/transactions/{created.AuditTransactionId}",
        })
        {
            served.Append(await auditor.GetStringAsync(url));
        }

        Assert.Contains(title2, served.ToString(), StringComparison.Ordinal);

        // The search can see a value when one is logged: a marker sent where it is meant to be logged (the request URL,
        // which ASP.NET Core logs) shows up. It also proves each stream is live and caught up with our last request.
        var marker = $"log-marker-{runId}";
        using (await writer.GetAsync($"/posts/{created.Id}?marker={marker}"))
        using (await auditor.GetAsync($"/api/v1/audit/transactions/{created.AuditTransactionId}?marker={marker}"))
        {
        }

        await logs.WaitForAsync(ResourceNames.PostsApi, marker, TimeSpan.FromSeconds(30));
        await logs.WaitForAsync(ResourceNames.AdminService, marker, TimeSpan.FromSeconds(30));
        await logs.WaitForAsync(ResourceNames.JobWorker, "UPDATE", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var lines = logs.Lines;
        output.WriteLine("Log lines watched: " + string.Join(", ", LoggedResources.Select(r => $"{r} {lines.Count(l => l.Resource == r)}")));
        // EF Core logged the writes, with parameter placeholders rather than values.
        Assert.Contains(lines, l => l.Resource == ResourceNames.PostsApi && l.Line.Contains("='?'", StringComparison.Ordinal));
        var leaks = lines.Where(l => secrets.Any(s => l.Line.Contains(s, StringComparison.Ordinal))).Select(l => $"{l.Resource}: {l.Line}").ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log line(s) carry a value sent to the posts API:\n" + string.Join("\n", leaks.Take(20)));
    }

    [Fact]
    public async Task Database_spans_record_statements_never_parameter_values_or_the_audit_context()
    {
        var runId = Guid.NewGuid().ToString("N")[..10];
        var title = $"span-title-secret-{runId}";
        var body = $"span-body-secret-{runId}";
        var contextSecret = $"span-context-secret-{runId}";
        string[] secrets = [title, body, contextSecret];
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Npgsql", StringComparison.Ordinal)
                || source.Name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
                || source.Name.StartsWith("Threadline", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        // The posts services' own database registration (Aspire's Npgsql EF Core integration, which traces Npgsql),
        // against the same pooled connection string the AppHost hands them.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"ConnectionStrings:{ResourceNames.AppDatabase}"] = platform.AppConnectionString });
        builder.AddPostsDbContext();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PostsDbContext>();
        var accessor = scope.ServiceProvider.GetRequiredService<IAuditContextAccessor>();
        Assert.False(db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()!.IsSensitiveDataLoggingEnabled, "EF Core sensitive data logging is on");
        Assert.False(new NpgsqlConnectionStringBuilder(platform.AppConnectionString).IncludeErrorDetail, "the services' connection string includes error detail");

        var context = new AuditContext(ActorRef.User($"span-writer-{runId}")) { CorrelationId = contextSecret };
        using (accessor.Begin(context))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Posts.Add(new Post { Title = title, Body = body });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            Assert.Equal(1, await db.Posts.CountAsync(p => p.Title == title));
        }

        // Raw Npgsql, as the admin service and the library use it, with the context stamped by set_config.
        await using (var dataSource = NpgsqlDataSource.Create(platform.AppConnectionString))
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginAuditedTransactionAsync(context))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO public.posts (title, body) VALUES ($1, $2)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = title });
            insert.Parameters.Add(new NpgsqlParameter { Value = body });
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        var recorded = activities.ToArray();
        var texts = recorded.SelectMany(a => new[] { a.DisplayName, a.OperationName, a.StatusDescription ?? "" }
            .Concat(a.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            .Concat(a.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}")))
            .Concat(a.Baggage.Select(b => $"{b.Key}={b.Value}"))
            .Select(text => (a.Source.Name, Text: text))).ToList();
        output.WriteLine($"{recorded.Length} spans from {string.Join(", ", recorded.Select(a => a.Source.Name).Distinct())}");
        Assert.Contains(texts, t => t.Name == "Npgsql" && t.Text.Contains("INSERT INTO", StringComparison.OrdinalIgnoreCase));
        var leaks = texts.Where(t => secrets.Any(s => t.Text.Contains(s, StringComparison.Ordinal))).Select(t => $"{t.Name}: {t.Text}").ToList();
        Assert.True(leaks.Count == 0, "Span data carries a parameter value or the audit context:\n" + string.Join("\n", leaks));

        // PostgreSQL itself logs no statement with its parameters: not all statements, not slow ones, not failed ones.
        await using var direct = await platform.OpenDirectAsync();
        Assert.Contains(await AuditRows.ScalarAsync<string>(direct, "SELECT current_setting('log_statement')"), new[] { "none", "ddl" });
        Assert.Equal("-1", await AuditRows.ScalarAsync<string>(direct, "SELECT current_setting('log_min_duration_statement')"));
        Assert.Equal("0", await AuditRows.ScalarAsync<string>(direct, "SELECT current_setting('log_parameter_max_length_on_error')"));
    }

    [Fact]
    public void No_service_turns_on_sensitive_data_logging_parameter_logging_or_error_detail()
    {
        string[] switches = ["EnableSensitiveDataLogging", "EnableParameterLogging", "IncludeErrorDetail", "Include Error Detail"];
        var root = RepositoryRoot();
        var found = new[] { "src", "Threadline.ServiceDefaults", "Threadline.AppHost" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.*", SearchOption.AllDirectories))
            .Where(file => file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal))
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".threadline"))
            .SelectMany(file => switches.Where(s => File.ReadAllText(file).Contains(s, StringComparison.OrdinalIgnoreCase)).Select(s => $"{Path.GetRelativePath(root, file)}: {s}"))
            .ToList();

        Assert.True(found.Count == 0, "Sensitive logging switched on:\n" + string.Join("\n", found));
    }

    private static async Task<IReadOnlyList<string>> AuditTablesAsync(NpgsqlConnection db)
    {
        await using var command = new NpgsqlCommand("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'threadline' AND c.relkind IN ('r', 'p') ORDER BY 1", db);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task<DateTimeOffset> NowAsync(NpgsqlConnection db) =>
        new(DateTime.SpecifyKind(await AuditRows.ScalarAsync<DateTime>(db, "SELECT clock_timestamp()"), DateTimeKind.Utc));

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Threadline.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Threadline.sln not found above " + AppContext.BaseDirectory);
    }
}
