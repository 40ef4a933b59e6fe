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
        var text = await WaitForTraceDetailAsync(await dashboard.NewPageAsync(), write.TraceId!, "POST /posts/");
        Assert.Contains("threadline.audit", text, StringComparison.Ordinal);
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
