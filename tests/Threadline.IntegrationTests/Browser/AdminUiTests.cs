using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using static Microsoft.Playwright.Assertions;

namespace Threadline.IntegrationTests.Browser;

/// <summary>
/// The admin service's investigation pages, driven in headless Chromium the way a person uses them: sign in with a
/// pasted token, filter, follow links, read what the page shows.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class AdminUiTests(PlatformFixture platform, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private string AuditorToken => platform.IssueToken("ui-auditor", PlatformAuth.AuditorRole);

    [Fact]
    public async Task Signed_in_auditor_sees_a_new_post_on_the_timeline_with_its_actor()
    {
        var subject = $"ui-alice-{Guid.NewGuid():N}";
        using var api = platform.CreateClient(ResourceNames.PostsApi, subject);
        var post = await api.CreatePostAsync("Seen in the browser");
        Assert.Equal(HttpStatusCode.Created, post.Response.StatusCode);
        await using var context = await NewContextAsync();

        var page = await SignInAsync(context, AuditorToken);

        await Expect(page).ToHaveURLAsync(new Regex("/ui$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Timeline of changes", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Signed in as ui-auditor")).ToBeVisibleAsync();
        var insert = TimelineRows(page).Filter(new() { HasText = "public.posts" }).Filter(new() { HasText = KeyOf(post.Id) }).Filter(new() { HasText = "insert" });
        await Expect(insert).ToHaveCountAsync(1);
        await Expect(insert).ToContainTextAsync($"user {subject}");
        await Expect(insert).ToContainTextAsync("all (new row)");
        await Expect(insert.GetByRole(AriaRole.Link, new() { Name = $"#{post.AuditTransactionId}", Exact = true })).ToBeVisibleAsync();

        // The token sits in a cookie that scripts cannot read and other sites cannot send, scoped to the UI.
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == "threadline-ui-token");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/ui", cookie.Path);
    }

    [Fact]
    public async Task Filtering_by_table_and_key_narrows_the_timeline_to_that_row()
    {
        using var api = platform.CreateClient(ResourceNames.PostsApi, $"ui-filter-{Guid.NewGuid():N}");
        var wanted = await api.CreatePostAsync("The row we look for");
        var other = await api.CreatePostAsync("Another row");
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        await page.GetByLabel("Table", new() { Exact = true }).FillAsync("posts");
        await page.GetByLabel("Row key (JSON, needs a table)").FillAsync(KeyOf(wanted.Id));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"[?&]table=posts(&|$)"));
        await Expect(TimelineRows(page).Filter(new() { HasText = "insert" })).ToHaveCountAsync(1);
        var keys = await page.Locator("table.timeline tbody tr td:nth-child(3)").AllInnerTextsAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.Equal(KeyOf(wanted.Id), key.Trim()));
        Assert.DoesNotContain(KeyOf(other.Id), await page.Locator("table.timeline").InnerTextAsync(), StringComparison.Ordinal);
        // The form shows the filter that is applied.
        await Expect(page.GetByLabel("Table", new() { Exact = true })).ToHaveValueAsync("posts");
        await Expect(page.GetByLabel("Row key (JSON, needs a table)")).ToHaveValueAsync(KeyOf(wanted.Id));
    }

    [Fact]
    public async Task Transaction_drill_down_shows_the_actor_the_request_id_and_a_readable_diff_of_an_update()
    {
        var subject = $"ui-bob-{Guid.NewGuid():N}";
        var requestId = $"ui-req-{Guid.NewGuid():N}";
        using var api = platform.CreateClient(ResourceNames.PostsApi, subject);
        var post = await api.CreatePostAsync("Old title in the browser");
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/posts/{post.Id}")
        {
            Content = JsonContent.Create(new { title = "New title in the browser", body = "" }),
        };
        put.Headers.Add("X-Request-Id", requestId);
        var updated = await api.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var transactionId = updated.AuditTransactionHeader();
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        var response = await page.GotoAsync($"/ui/transactions/{transactionId}");

        Assert.Equal(200, response?.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Transaction {transactionId}", Level = 1 })).ToBeVisibleAsync();
        var facts = page.Locator("dl.facts");
        await Expect(facts).ToContainTextAsync($"user {subject}");
        await Expect(facts).ToContainTextAsync(requestId);
        await Expect(facts).ToContainTextAsync("http");
        var title = FieldRow(page, "title");
        await Expect(title).ToHaveCountAsync(1);
        await Expect(title).ToHaveClassAsync(new Regex(@"\bchanged\b"));
        await Expect(title.Locator("th")).ToContainTextAsync("changed");
        await Expect(title.Locator("td").Nth(0)).ToHaveTextAsync("Old title in the browser");
        await Expect(title.Locator("td").Nth(1)).ToHaveTextAsync("New title in the browser");

        // A traced transaction (the HTTP write) has exactly one "View trace" link, to its own trace on the dashboard
        // URL the admin service is configured with (DashboardTraceTests follows it to the dashboard).
        var traceId = (await facts.Locator("dt:text-is('Trace id') + dd code").InnerTextAsync()).Trim();
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        var traceLink = page.GetByRole(AriaRole.Link, new() { Name = "View trace" });
        await Expect(traceLink).ToHaveCountAsync(1);
        Assert.EndsWith($"/traces/detail/{traceId}", await traceLink.GetAttributeAsync("href"), StringComparison.Ordinal);

        // A transaction recorded without tracing (direct SQL, no trace id) has none.
        await using var db = await platform.OpenDirectAsync();
        var untracedTable = await db.CreateTableAsync("ui_untraced", "(id int PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(untracedTable));
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User(subject)), $"INSERT INTO public.{untracedTable} VALUES (1)");
        var untraced = Assert.Single(await AuditRows.WhereAsync(platform, "c.table_name = $1", untracedTable));
        Assert.Null(untraced.TraceId);
        await page.GotoAsync($"/ui/transactions/{untraced.TransactionId}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Transaction {untraced.TransactionId}", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "View trace" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Masked_values_never_reach_the_page()
    {
        var secrets = new[] { $"first-secret-{Guid.NewGuid():N}@example.org", $"second-secret-{Guid.NewGuid():N}@example.org" };
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("ui_masked", "(id bigint PRIMARY KEY, name text, email text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(table) { Mask = ["email"] });
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("ui-masking")),
            $"INSERT INTO public.{table} VALUES (1, 'Ada', '{secrets[0]}')",
            $"UPDATE public.{table} SET email = '{secrets[1]}', name = 'Ada L.'");
        var transactionId = (await AuditRows.WhereAsync(platform, "c.table_name = $1", table)).Select(r => r.TransactionId).Distinct().Single();
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        await page.GotoAsync($"/ui/transactions/{transactionId}");

        await Expect(page.Locator("article.change")).ToHaveCountAsync(2);
        var email = FieldRow(page, "email");
        await Expect(email).ToHaveCountAsync(2);
        await Expect(email.Last.Locator("td").Nth(0)).ToHaveTextAsync("masked");
        await Expect(email.Last.Locator("td").Nth(1)).ToHaveTextAsync("masked");
        await Expect(email.Last).ToHaveClassAsync(new Regex(@"\bchanged\b"));
        await Expect(FieldRow(page, "name").Last.Locator("td").Nth(1)).ToHaveTextAsync("Ada L.");
        AssertNoSecret(await page.ContentAsync(), secrets);

        // The row's history and its state now: the same, masked, never the value.
        await page.GotoAsync($"/ui/rows/public/{table}?key={Uri.EscapeDataString("{\"id\":1}")}&at={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture))}");
        await Expect(page.Locator("section.state")).ToContainTextAsync("The row existed");
        await Expect(FieldRow(page, "email").Locator("td")).ToHaveTextAsync("masked");
        AssertNoSecret(await page.ContentAsync(), secrets);

        await page.GotoAsync($"/ui?table={table}");
        await Expect(TimelineRows(page)).ToHaveCountAsync(2);
        AssertNoSecret(await page.ContentAsync(), secrets);
    }

    [Fact]
    public async Task Row_page_says_deleted_after_a_delete_and_shows_the_old_state_before_it()
    {
        var subject = $"ui-carol-{Guid.NewGuid():N}";
        using var api = platform.CreateClient(ResourceNames.PostsApi, subject);
        var post = await api.CreatePostAsync("Row title before");
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/posts/{post.Id}", new { title = "Row title after", body = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/posts/{post.Id}")).StatusCode);
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        await page.GotoAsync($"/ui/rows/public/posts?key={Uri.EscapeDataString(KeyOf(post.Id))}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("public.posts");
        var history = page.Locator("table.history tbody tr");
        await Expect(history.First).ToContainTextAsync("insert");
        await Expect(history.Last).ToContainTextAsync("delete");
        await Expect(history.Last).ToContainTextAsync($"user {subject}");
        var changes = await history.CountAsync();
        Assert.True(changes >= 3, $"insert, update and delete expected; the page lists {changes} change(s).");

        // As of the insert: the row existed with its first title.
        await history.First.GetByRole(AriaRole.Link, new() { Name = "State after this change" }).ClickAsync();
        await Expect(page.Locator("section.state")).ToContainTextAsync("The row existed");
        await Expect(FieldRow(page, "title").Locator("td")).ToHaveTextAsync("Row title before");

        // Just before the delete: the updated title.
        await history.Nth(changes - 2).GetByRole(AriaRole.Link, new() { Name = "State after this change" }).ClickAsync();
        await Expect(page.Locator("section.state")).ToContainTextAsync("The row existed");
        await Expect(FieldRow(page, "title").Locator("td")).ToHaveTextAsync("Row title after");

        // Now: deleted, with when and by whom.
        await page.GetByLabel("Show the row as it stood at").FillAsync(DateTimeOffset.UtcNow.AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(page.Locator("section.state")).ToContainTextAsync("deleted at");
        await Expect(page.Locator("section.state")).ToContainTextAsync($"by user {subject}");
        await Expect(page.Locator("section.state table")).ToHaveCountAsync(0);

        // Before the row existed, and before auditing of the table began.
        await page.GetByLabel("Show the row as it stood at").FillAsync("2001-01-01T00:00:00Z");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(page.Locator("section.state")).ToContainTextAsync("before auditing began on public.posts");
    }

    [Fact]
    public async Task Without_a_token_the_browser_is_sent_to_login_and_back()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        var target = $"/ui?table=posts&op=insert";

        await page.GotoAsync(target);

        await Expect(page).ToHaveURLAsync(new Regex(@"/ui/login\?returnUrl=%2Fui%3Ftable%3Dposts%26op%3Dinsert$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the audit trail" })).ToBeVisibleAsync();
        await page.GetByLabel("Token").FillAsync(AuditorToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/ui\?table=posts&op=insert$"));
        await Expect(page.GetByLabel("insert")).ToBeCheckedAsync();

        // Signing out forgets the token: the next page asks for one again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "threadline-ui-token");
        await page.GotoAsync("/ui");
        await Expect(page).ToHaveURLAsync(new Regex(@"/ui/login\?returnUrl="));
    }

    [Fact]
    public async Task A_bad_or_foreign_token_is_refused_at_login()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ui/login");

        await page.GetByLabel("Token").FillAsync(PlatformAuth.IssueToken("another-platform-key-0123456789abcdef", "eve", [PlatformAuth.AuditorRole]));
        var response = await NavigateByAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync());

        Assert.Equal(400, response?.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not signed by this platform's key");
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "threadline-ui-token");
    }

    [Fact]
    public async Task A_token_without_the_auditor_role_gets_the_403_page()
    {
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, platform.IssueToken("ui-mallory"));

        var response = await page.GotoAsync("/ui");

        Assert.Equal(403, response?.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Access denied", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("signed in as ui-mallory");
        await Expect(page.Locator("table")).ToHaveCountAsync(0);
        Assert.Equal(403, (await page.GotoAsync("/ui/transactions/1"))?.Status);
    }

    [Fact]
    public async Task A_malformed_filter_shows_the_parser_message_with_status_400()
    {
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        await page.GetByLabel("From (inclusive, ISO 8601 with offset)").FillAsync("yesterday");
        var response = await NavigateByAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync());

        Assert.Equal(400, response?.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'from' must be an ISO 8601 time with an offset, e.g. 2026-11-27T14:00:00Z.");
        await Expect(page.GetByLabel("From (inclusive, ISO 8601 with offset)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("table.timeline")).ToHaveCountAsync(0);

        var unknown = await page.GotoAsync("/ui?colour=blue");
        Assert.Equal(400, unknown?.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Unknown parameter 'colour'");
    }

    [Fact]
    public async Task An_unknown_transaction_is_a_404_page()
    {
        await using var context = await NewContextAsync();
        var page = await SignInAsync(context, AuditorToken);

        var response = await page.GotoAsync("/ui/transactions/987654321012");

        Assert.Equal(404, response?.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Transaction not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("There is no audit transaction 987654321012.");
    }

    /// <summary>Runs <paramref name="action"/> and returns the response of the page it leads to (after any redirect).</summary>
    private static Task<IResponse> NavigateByAsync(IPage page, Func<Task> action) =>
        page.RunAndWaitForResponseAsync(action, r => r.Request.IsNavigationRequest && r.Request.Frame == page.MainFrame && r.Status is < 300 or >= 400);

    private static string KeyOf(long id) => $"{{\"id\":{id}}}";

    private static ILocator TimelineRows(IPage page) => page.Locator("table.timeline tbody tr");

    /// <summary>Rows of the field tables whose header cell names <paramref name="field"/>.</summary>
    private static ILocator FieldRow(IPage page, string field) =>
        page.Locator("table.fields tbody tr").Filter(new() { Has = page.Locator("th", new() { HasTextRegex = new Regex($@"^\s*{Regex.Escape(field)}(\s|$)") }) });

    private static void AssertNoSecret(string html, IEnumerable<string> secrets) =>
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, html, StringComparison.Ordinal));

    private async Task<IBrowserContext> NewContextAsync()
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.App.GetEndpoint(ResourceNames.AdminService, "http").ToString().TrimEnd('/'),
        });
        context.SetDefaultTimeout(20_000);
        return context;
    }

    /// <summary>Pastes <paramref name="token"/> into the login page and waits to leave it.</summary>
    private static async Task<IPage> SignInAsync(IBrowserContext context, string token)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ui/login");
        await page.GetByLabel("Token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/ui/login", StringComparison.Ordinal));
        return page;
    }
}
