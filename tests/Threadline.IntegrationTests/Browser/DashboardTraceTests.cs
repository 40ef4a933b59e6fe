using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Browser;

/// <summary>
/// The Aspire dashboard itself, read in headless Chromium: one audited write is one trace on the Traces page, from the
/// HTTP request to the job-worker's audited update. This test is the reference for docs/platform.md's section "See an audited
/// write in the dashboard": the span names and their order there are the ones asserted here.
/// </summary>
[Collection(DashboardPlatformCollection.Name)]
public sealed class DashboardTraceTests(DashboardPlatformFixture platform, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task One_audited_write_is_one_trace_from_the_request_to_the_jobs_audited_update()
    {
        using var api = platform.CreateClient(ResourceNames.PostsApi, $"dashboard-{Guid.NewGuid():N}");
        var post = await api.CreatePostAsync("Seen in the dashboard", "one trace");
        Assert.Equal(HttpStatusCode.Created, post.Response.StatusCode);
        var rows = await AuditRows.WaitForPostAsync(platform, post.Id, r => r.Any(x => x.Source == "job"));
        var traceId = Assert.Single(rows, r => r.Source == "http").TraceId!;
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        var text = await WaitForTraceDetailAsync(page, traceId, "RefreshPost process");
        output.WriteLine(text);

        // The spans in the order the detail page lists them (docs/platform.md's walkthrough quotes this list).
        string[] spans =
        [
            "POST /posts/", "threadline.audit", "outbox dispatch", "MSG rabbitmq send Threadline.Platform:PostChanged",
            "RefreshPost receive", "RefreshPost process", "threadline.audit",
        ];
        var at = 0;
        foreach (var span in spans)
        {
            var next = text.IndexOf(span, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{span}' should follow the spans before it in the trace detail page:\n{text}");
            at = next + span.Length;
        }

        // Both services' spans are in it. (The header's "Resources" count is not asserted: it sometimes counts an
        // uninstrumented peer, so it reads 2 or 3 for the same trace.)
        Assert.Contains("\njob-worker\n", text, StringComparison.Ordinal);
        Assert.Contains("\nposts-api\n", text, StringComparison.Ordinal);
        var total = int.Parse(Regex.Match(text, @"Total spans\s+(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"Spans in one audited write's trace: {total}");
        Assert.True(total >= spans.Length, $"Total spans {total}");
        // The AppHost drops Aspire's HTTPS certificate callback from every project, so no banner about the dev cert.
        Assert.DoesNotContain("development certificate", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_admin_ui_links_an_audited_transaction_to_its_trace_in_the_dashboard()
    {
        using var api = platform.CreateClient(ResourceNames.PostsApi, $"dashboard-link-{Guid.NewGuid():N}");
        var post = await api.CreatePostAsync("Linked from the admin UI", "one link");
        Assert.Equal(HttpStatusCode.Created, post.Response.StatusCode);
        var write = Assert.Single(await AuditRows.WaitForPostAsync(platform, post.Id, r => r.Any(x => x.Source == "http")), r => r.Source == "http");
        await using var admin = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.App.GetEndpoint(ResourceNames.AdminService, "http").ToString().TrimEnd('/'),
        });
        admin.SetDefaultTimeout(30_000);
        var ui = await admin.NewPageAsync();
        await ui.GotoAsync("/ui/login");
        await ui.GetByLabel("Token").FillAsync(platform.IssueToken("dashboard-link-auditor", PlatformAuth.AuditorRole));
        await ui.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await ui.WaitForURLAsync(url => !url.Contains("/ui/login", StringComparison.Ordinal));

        await ui.GotoAsync($"/ui/transactions/{write.TransactionId}");

        // Exactly one link, to this transaction's trace on the dashboard, and the dashboard shows that trace there.
        var link = ui.GetByRole(AriaRole.Link, new() { Name = "View trace" });
        await Microsoft.Playwright.Assertions.Expect(link).ToHaveCountAsync(1);
        var href = new Uri(await link.GetAttributeAsync("href") ?? "", UriKind.RelativeOrAbsolute);
        Assert.True(href.IsAbsoluteUri && href.AbsolutePath == $"/traces/detail/{write.TraceId}", $"View trace links to {href}, not trace {write.TraceId}");
        await using var dashboard = await NewContextAsync();
        // The audit span can reach the dashboard in a later export batch than the request's span: wait for it.
        var text = await WaitForTraceDetailAsync(await dashboard.NewPageAsync(), write.TraceId!, "threadline.audit");
        Assert.Contains("POST /posts/", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 26: an audited POST costs posts-api at most 5 database round trips through PgBouncer, read from its Npgsql
    /// spans in the dashboard's telemetry API: one span per command (BEGIN rides with the first, the context), and the
    /// COMMIT, which has no span. The audit transaction id is read once, with the action, and the audit span needs no
    /// query of its own.
    /// </summary>
    [Fact]
    public async Task One_audited_post_costs_posts_api_at_most_five_database_round_trips()
    {
        using var api = platform.CreateClient(ResourceNames.PostsApi, $"round-trips-{Guid.NewGuid():N}");
        var post = await api.CreatePostAsync("Counted round trips", "one transaction");
        Assert.Equal(HttpStatusCode.Created, post.Response.StatusCode);
        Assert.Equal(post.AuditTransactionId, post.Response.AuditTransactionHeader());
        var write = Assert.Single(await AuditRows.WaitForPostAsync(platform, post.Id, r => r.Any(x => x.Source == "http")), r => r.Source == "http");

        var spans = await PostsApiSpansAsync(write.TraceId!);
        var request = Assert.Single(spans, s => s.Name == "POST /posts/");
        var audit = Assert.Single(spans, s => s.Name == "threadline.audit");
        Assert.Equal(post.AuditTransactionId.ToString(CultureInfo.InvariantCulture), audit.Attribute("threadline.audit.transaction_id"));
        Assert.Equal("1", audit.Attribute("threadline.audit.changes"));
        // A physical connection the pool opens (CONNECT) is not one of the request's statements.
        var statements = spans.Where(s => s.Scope == "Npgsql" && s.ParentSpanId == request.SpanId && !s.Name.StartsWith("CONNECT", StringComparison.Ordinal))
            .OrderBy(s => s.Start).ToList();
        foreach (var statement in statements)
        {
            output.WriteLine($"{statement.Start}: {statement.Attribute("db.query.text") ?? statement.Attribute("db.statement") ?? statement.Name}");
        }

        var texts = statements.Select(s => s.Attribute("db.query.text") ?? s.Attribute("db.statement") ?? "").ToList();
        Assert.True(statements.Count + 1 <= 5, $"{statements.Count} commands and the commit:\n{string.Join("\n", texts)}");
        Assert.Contains("set_config('threadline.context'", texts[0], StringComparison.Ordinal);
        Assert.DoesNotContain(texts, t => t.Contains("SAVEPOINT", StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains("current_transaction_id", StringComparison.Ordinal));
        Assert.Single(texts, t => t.Contains("current_transaction_summary", StringComparison.Ordinal) && t.Contains("record_action", StringComparison.Ordinal));
        // Every command ran before the audit span started, at the commit.
        Assert.All(statements, s => Assert.True(s.Start <= audit.Start, $"{s.Name} started after the audit span"));
    }

    /// <summary>One span from the dashboard's telemetry API (OTLP JSON).</summary>
    private sealed record ExportedSpan(string Scope, string Name, string SpanId, string? ParentSpanId, ulong Start, IReadOnlyDictionary<string, string> Attributes)
    {
        public string? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>The trace's posts-api spans, once its audit span has been exported (exports are batched).</summary>
    private async Task<List<ExportedSpan>> PostsApiSpansAsync(string traceId)
    {
        using var http = new HttpClient { BaseAddress = platform.DashboardUrl };
        List<ExportedSpan> spans = [];
        var found = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(60), async () =>
        {
            using var response = await http.GetAsync($"/api/telemetry/spans?traceId={traceId}&resource={ResourceNames.PostsApi}&limit=1000");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            spans = [.. ReadSpans(json.RootElement.GetProperty("data"))];
            return spans.Any(s => s.Name == "threadline.audit");
        }, TimeSpan.FromSeconds(1));
        return found ? spans : throw new Xunit.Sdk.XunitException($"The dashboard API did not list the audit span of trace {traceId} within 60 s.");
    }

    private static IEnumerable<ExportedSpan> ReadSpans(System.Text.Json.JsonElement data)
    {
        foreach (var resource in data.GetProperty("resourceSpans").EnumerateArray())
        {
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.TryGetProperty("scope", out var s) && s.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (span.TryGetProperty("attributes", out var list))
                    {
                        foreach (var attribute in list.EnumerateArray())
                        {
                            var value = attribute.GetProperty("value");
                            attributes[attribute.GetProperty("key").GetString()!] = value.EnumerateObject().FirstOrDefault().Value.ToString();
                        }
                    }

                    yield return new ExportedSpan(
                        scopeName,
                        span.GetProperty("name").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
                        ulong.Parse(span.GetProperty("startTimeUnixNano").ToString(), CultureInfo.InvariantCulture),
                        attributes);
                }
            }
        }
    }

    /// <summary>Opens the trace's detail page until its spans include <paramref name="lastSpan"/> (exports are batched).</summary>
    private static async Task<string> WaitForTraceDetailAsync(IPage page, string traceId, string lastSpan)
    {
        var text = "";
        var found = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(60), async () =>
        {
            await page.GotoAsync($"/traces/detail/{traceId}");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await Task.Delay(1000);
            text = await page.Locator("body").InnerTextAsync();
            return text.Contains(lastSpan, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(2));
        return found ? text : throw new Xunit.Sdk.XunitException($"Trace {traceId} did not show '{lastSpan}' within 60 s. The page said:\n{text}");
    }

    private async Task<IBrowserContext> NewContextAsync()
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.DashboardUrl.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }
}
