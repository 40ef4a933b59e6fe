using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Xunit.Abstractions;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>
/// Issue 7, item 4: more than a thousand generated hostile requests (malformed and oversized bodies, wrong types,
/// injection in every filter and route value, traversal, NUL and control characters, forged and expired tokens, role
/// escalation, every method on every route) against the running posts API and admin service, over loopback. Every
/// answer is a 4xx with a problem-details body (HTML page under /ui), or a 2xx/3xx where the request is legitimate;
/// never a 5xx, never a stack trace, never data the caller may not see.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed partial class HostileInputTests(PlatformFixture platform, ITestOutputHelper output)
{
    /// <summary>Fixed so a failing case number and description reproduce on the next run.</summary>
    public const int Seed = 20_261_127;

    private const int Parallelism = 6;

    [Fact]
    public async Task A_thousand_hostile_requests_get_a_4xx_problem_never_a_5xx_and_never_data_outside_the_callers_rights()
    {
        var endpoints = new Dictionary<string, Uri>
        {
            [ResourceNames.PostsApi] = platform.App.GetEndpoint(ResourceNames.PostsApi, "http"),
            [ResourceNames.AdminService] = platform.App.GetEndpoint(ResourceNames.AdminService, "http"),
        };
        Assert.All(endpoints.Values, endpoint => Assert.True(endpoint.IsLoopback, $"{endpoint} is not loopback"));

        // No cookie jar, no redirects, no retries: every request goes out exactly as generated.
        using var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = 256,
            // Lets the non-ASCII header cases reach Kestrel, which must refuse them itself.
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        })
        { Timeout = TimeSpan.FromSeconds(60) };

        var runId = Guid.NewGuid().ToString("N")[..10];
        var targets = await ArrangeAsync(runId, http, endpoints[ResourceNames.AdminService]);
        var cases = new HostileCaseGenerator(targets, Seed).Generate();

        var results = new ConcurrentBag<(HostileCase Case, HostileResponse Response)>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (hostile, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            HostileResponse response;
            try
            {
                // Targets beyond what System.Uri holds go over a socket, byte for byte as HttpClient would send them.
                var raw = hostile.Raw ?? (hostile.Target.Length > 30_000 ? RawHttp.Build(hostile.Method, hostile.Target, hostile.Headers, hostile.Body, hostile.ContentType) : null);
                response = raw is not null
                    ? await RawHttp.SendAsync(endpoints[hostile.Resource], raw, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken)
                    : await SendAsync(http, endpoints[hostile.Resource], hostile, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or TaskCanceledException or System.Net.Sockets.SocketException)
            {
                response = new HostileResponse(0, null, "", null, [], $"{ex.GetType().Name}: {ex.Message}");
            }

            results.Add((hostile, response with { Elapsed = Stopwatch.GetElapsedTime(started) }));
        });
        clock.Stop();

        var failures = results
            .Select(r => (r.Case, r.Response, Reason: Judge(r.Case, r.Response, targets)))
            .Where(r => r.Reason is not null)
            .OrderBy(r => r.Case.Number)
            .ToList();

        Report(results, clock.Elapsed);
        foreach (var failure in failures)
        {
            output.WriteLine($"FAILED {failure.Case}\n    -> {failure.Reason}; got {failure.Response.Status} {failure.Response.MediaType} {HostileCase.Shorten(failure.Response.Error ?? failure.Response.Body, 300)}");
        }

        Assert.True(cases.Count >= 1000, $"only {cases.Count} cases were generated");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} hostile cases failed (seed {Seed}):\n" + string.Join("\n", failures.Take(40).Select(f =>
            $"{f.Case}\n    -> {f.Reason}; got {f.Response.Status} {f.Response.MediaType} {HostileCase.Shorten(f.Response.Error ?? f.Response.Body, 300)}")));

        await AssertNothingGotThroughAsync(targets);
    }

    /// <summary>
    /// The UI's timeline and row pages take a row key too. A key that is valid JSON but that jsonb cannot hold (NUL, an
    /// unpaired surrogate, a huge exponent) must be answered with a page, 4xx or an empty result, never a 500.
    /// </summary>
    [Fact]
    public async Task The_UI_answers_keys_PostgreSQL_cannot_hold_with_a_page_never_a_500()
    {
        using var auditor = platform.CreateClient(ResourceNames.AdminService, "ui-key-checker", PlatformAuth.AuditorRole);
        var failures = new List<string>();
        foreach (var key in Payloads.UnstorableKeys)
        {
            var value = Uri.EscapeDataString(key);
            foreach (var url in new[] { $"/ui?table=posts&key={value}", $"/ui/rows/public/posts?key={value}", $"/ui/rows/public/posts?key={value}&at=2030-01-01T00%3A00%3A00Z" })
            {
                using var response = await auditor.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500 || response.Content.Headers.ContentType?.MediaType != "text/html" || StackTrace().IsMatch(body))
                {
                    failures.Add($"GET {HostileCase.Shorten(url, 120)} -> {(int)response.StatusCode} {response.Content.Headers.ContentType?.MediaType}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} UI requests with an unstorable key failed:\n{string.Join("\n", failures)}");
    }

    /// <summary>
    /// Concurrent updates and a delete of one post: an update that loses the race to the delete is a 404, not a 500
    /// (found by the method sweep: EF Core's concurrency exception when the UPDATE matched no row).
    /// </summary>
    [Fact]
    public async Task Updates_racing_a_delete_of_the_same_post_get_200_or_404_never_500()
    {
        using var http = new HttpClient { BaseAddress = platform.App.GetEndpoint(ResourceNames.PostsApi, "http") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", platform.IssueToken($"racer-{Guid.NewGuid():N}"));
        var statuses = new ConcurrentBag<int>();
        var racedUpdates = 0;
        // At least 10 rounds, and more until an update has lost the race to the delete (a PUT answered 404): without
        // one, the test would pass without the race it is about ever happening.
        const int MaxRounds = 200;
        var round = 0;
        for (; round < 10 || (Volatile.Read(ref racedUpdates) == 0 && round < MaxRounds); round++)
        {
            var post = await http.CreatePostAsync($"race {round}");
            Assert.Equal(HttpStatusCode.Created, post.Response.StatusCode);
            await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
            {
                using var response = i == 2
                    ? await http.DeleteAsync($"/posts/{post.Id}")
                    : await http.PutAsync($"/posts/{post.Id}", new StringContent($"{{\"title\":\"racer {i}\"}}", Encoding.UTF8, "application/json"));
                statuses.Add((int)response.StatusCode);
                if (i != 2 && response.StatusCode == HttpStatusCode.NotFound)
                {
                    Interlocked.Increment(ref racedUpdates);
                }
            }));
        }

        output.WriteLine($"Race statuses over {round} rounds: " + string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
        Assert.All(statuses, status => Assert.Contains(status, new[] { 200, 204, 404 }));
        Assert.True(racedUpdates > 0, $"no update lost the race to the delete (no PUT answered 404) in {round} rounds; the race never happened");
    }

    /// <summary>A canary only auditors may see, posts to overwrite and delete, and the credentials of the run.</summary>
    private async Task<FuzzTargets> ArrangeAsync(string runId, HttpClient http, Uri admin)
    {
        var owner = $"canary-owner-{runId}";
        var title = $"canary-title-{runId}";
        using var writer = platform.CreateClient(ResourceNames.PostsApi, owner);
        var canary = await writer.CreatePostAsync(title, "only auditors may read this in the audit trail");
        var victim = await writer.CreatePostAsync($"victim-{runId}");
        var doomed = await writer.CreatePostAsync($"doomed-{runId}");
        Assert.All(new[] { canary, victim, doomed }, p => Assert.Equal(HttpStatusCode.Created, p.Response.StatusCode));

        await using var db = await platform.OpenDirectAsync();
        var changeId = await AuditRows.ScalarAsync<long>(db, "SELECT max(id) FROM threadline.changes WHERE tx_id = $1", canary.AuditTransactionId);
        var actionId = await AuditRows.ScalarAsync<long>(db, "SELECT action_id FROM threadline.transactions WHERE id = $1", canary.AuditTransactionId);

        // The sign-in form's antiforgery pair, fetched without a cookie jar so the cookie is always issued.
        using var login = await http.GetAsync(new Uri(admin, "/ui/login"));
        var html = await login.Content.ReadAsStringAsync();
        var formToken = AntiforgeryField().Match(html).Groups[1].Value;
        var cookie = login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(formToken), "the sign-in form has no antiforgery token");

        return new FuzzTargets(
            runId,
            ForgedTokens.All(platform.SigningKey, runId),
            "Bearer " + platform.IssueToken($"writer-{runId}"),
            "Bearer " + platform.IssueToken($"auditor-{runId}", PlatformAuth.AuditorRole),
            canary.Id, canary.AuditTransactionId, changeId, actionId, owner, title,
            victim.Id, doomed.Id,
            cookie, WebUtility.HtmlDecode(formToken));
    }

    private static async Task<HostileResponse> SendAsync(HttpClient http, Uri endpoint, HostileCase hostile, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), new Uri(endpoint.GetLeftPart(UriPartial.Authority) + hostile.Target));
        if (hostile.Body is not null || hostile.ContentType is not null || hostile.Headers.Any(h => h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)))
        {
            request.Content = new ByteArrayContent(hostile.Body ?? []);
            if (hostile.ContentType is not null && !request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType))
            {
                throw new InvalidOperationException($"{hostile}: cannot set Content-Type");
            }
        }

        foreach (var (name, value) in hostile.Headers)
        {
            var added = name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)
                ? request.Content!.Headers.TryAddWithoutValidation(name, value)
                : request.Headers.TryAddWithoutValidation(name, value);
            if (!added)
            {
                throw new InvalidOperationException($"{hostile}: HttpClient refused header {name}");
            }
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new HostileResponse(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            body,
            response.Headers.Location?.OriginalString,
            response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}").ToArray(),
            null);
    }

    /// <summary>Why a response breaks the platform's rules for this case, or null when it keeps them.</summary>
    private static string? Judge(HostileCase hostile, HostileResponse response, FuzzTargets targets)
    {
        if (response.Status == 0)
        {
            // An oversized request that Kestrel refuses mid-send: it answers 414/431 and closes, and the reset that
            // follows can discard that answer before the client reads it. A refusal either way, not a crash (the
            // services' health and every later case show they kept running).
            return hostile.KestrelMayReject && hostile.Category == "huge" ? null : "no HTTP response: " + response.Error;
        }

        if (response.Status >= 500)
        {
            return $"server error {response.Status}";
        }

        if (hostile.Expected is { } expected && !expected.Contains(response.Status))
        {
            return $"expected {string.Join(" or ", expected.Order())}";
        }

        if (StackTrace().IsMatch(response.Body))
        {
            return "the response carries a stack trace or exception details";
        }

        if (response.Status is >= 400 and < 500 && hostile.Method != "HEAD")
        {
            var bodiless = response.Body.Length == 0 && response.MediaType is null;
            var refusedByKestrel = hostile.KestrelMayReject && bodiless;
            var problem = response.MediaType == "application/problem+json" && IsProblem(response.Body);
            var page = response.MediaType == "text/html";
            if (!refusedByKestrel)
            {
                if (hostile.Raw is not null && !problem && !page)
                {
                    return "a 4xx from the application with neither a problem-details body nor an HTML page";
                }

                if (hostile.Raw is null && hostile.Surface == Surface.Api && !problem)
                {
                    return "a 4xx from the JSON API without an application/problem+json body";
                }

                if (hostile.Raw is null && hostile.Surface == Surface.Ui && !page)
                {
                    return "a 4xx from the UI that is not an HTML page";
                }
            }
        }

        if (response.MediaType == "text/html" && response.Body.Contains("<script>alert(1)</script>", StringComparison.OrdinalIgnoreCase))
        {
            return "a hostile value was echoed into HTML unescaped";
        }

        if (response.Status is >= 300 and < 400 && response.Location is { } location
            && (!location.StartsWith('/') || location.StartsWith("//", StringComparison.Ordinal) || location.StartsWith("/\\", StringComparison.Ordinal)))
        {
            return $"redirect off the site to '{location}'";
        }

        if (hostile.Resource == ResourceNames.AdminService && hostile.Grant != Grant.Auditor)
        {
            if (response.Body.Contains(targets.CanaryTitle, StringComparison.Ordinal) || response.Body.Contains(targets.CanaryOwner, StringComparison.Ordinal))
            {
                return $"LEAK: a caller with grant {hostile.Grant} saw audit data";
            }

            if (hostile.Raw is null && response.Status is >= 200 and < 300 && response.Body.Length > 0 && IsProtected(hostile.Path))
            {
                return $"LEAK: a caller with grant {hostile.Grant} got {response.Status} on a protected route";
            }
        }

        if (hostile.Resource == ResourceNames.PostsApi)
        {
            if (hostile.Grant == Grant.None && response.Status is >= 200 and < 300 && hostile.Path.StartsWith("/posts", StringComparison.Ordinal))
            {
                return "an unauthenticated caller was served by the posts API";
            }

            if (hostile.Grant == Grant.None && response.Body.Contains(targets.CanaryTitle, StringComparison.Ordinal))
            {
                return "LEAK: an unauthenticated caller saw a post";
            }

            if (response.Body.Contains("\"dataAfter\"", StringComparison.Ordinal) || response.Body.Contains("\"changedFields\"", StringComparison.Ordinal))
            {
                return "LEAK: the posts API returned audit rows";
            }
        }

        return hostile.Check?.Invoke(response);
    }

    /// <summary>Admin routes that serve audit data: the API and every UI page except sign-in, sign-out, status pages and assets.</summary>
    private static bool IsProtected(string path) =>
        path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)
        || (path.StartsWith("/ui", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWith("/ui/login", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWith("/ui/logout", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWith("/ui/status", StringComparison.OrdinalIgnoreCase)
            && !path.EndsWith(".css", StringComparison.OrdinalIgnoreCase));

    private static bool IsProblem(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && (document.RootElement.TryGetProperty("status", out _) || document.RootElement.TryGetProperty("title", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>After the storm: the canary is untouched and no forged identity is named by any audit row.</summary>
    private async Task AssertNothingGotThroughAsync(FuzzTargets targets)
    {
        await using var db = await platform.OpenDirectAsync();
        var title = await AuditRows.ScalarAsync<string>(db, "SELECT coalesce((SELECT title FROM public.posts WHERE id = $1), '<deleted>')", targets.CanaryPostId);
        Assert.Equal(targets.CanaryTitle, title);
        var forged = await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.transactions WHERE actor_id = $1", ForgedTokens.ForgedSubject(targets.RunId));
        Assert.Equal(0L, forged);
        // Only the job worker's refresh may have touched the canary since it was created.
        var tampered = await AuditRows.ScalarAsync<long>(db, """
            SELECT count(*) FROM threadline.changes c JOIN threadline.changes t ON t.id = c.tx_id JOIN threadline.tables tb ON tb.table_id = c.table_id
             WHERE tb.table_name = 'posts' AND c.row_key = $1::bigint::text AND c.op <> 'i' AND t.source IS DISTINCT FROM 'job'
            """, targets.CanaryPostId);
        Assert.Equal(0L, tampered);
    }

    private void Report(IReadOnlyCollection<(HostileCase Case, HostileResponse Response)> results, TimeSpan elapsed)
    {
        output.WriteLine($"Hostile input: {results.Count} cases, seed {Seed}, {elapsed.TotalSeconds:F1} s with {Parallelism} in flight.");
        output.WriteLine("Status histogram: " + string.Join(", ", results.GroupBy(r => r.Response.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "none" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}: {g.Count()}")));
        foreach (var category in results.GroupBy(r => r.Case.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {category.Key,-12} {category.Count(),5} cases: " + string.Join(", ", category.GroupBy(r => r.Response.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
        }

        var slowest = results.MaxBy(r => r.Response.Elapsed);
        output.WriteLine($"Slowest: {slowest.Response.Elapsed.TotalMilliseconds:F0} ms for {slowest.Case}");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>.NET stack frames, exception type names and PostgreSQL error internals.</summary>
    [GeneratedRegex(@"(?m)(^\s*at [\w.`<>]+\(.*\)|\.cs:line \d+|\b\w+(\.\w+)+Exception\b|Npgsql|SQLSTATE|PostgresException|DbUpdateException)")]
    private static partial Regex StackTrace();
}
