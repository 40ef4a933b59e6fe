using System.Globalization;
using System.Text;
using System.Text.Json;
using Threadline.Platform;

namespace Threadline.IntegrationTests.Hostile;

/// <summary>The live data the generated cases aim at: a canary only auditors may see, a post to overwrite, credentials.</summary>
public sealed record FuzzTargets(
    string RunId,
    IReadOnlyList<Credential> Credentials,
    string WriterAuthorization,
    string AuditorAuthorization,
    long CanaryPostId,
    long CanaryTransactionId,
    long CanaryChangeId,
    long CanaryActionId,
    string CanaryOwner,
    string CanaryTitle,
    long VictimPostId,
    long DoomedPostId,
    string AntiforgeryCookie,
    string AntiforgeryToken);

/// <summary>
/// Builds the hostile cases, deterministically for a seed: the same seed gives the same cases in the same order, so a
/// failure named by its number and description can be replayed.
/// </summary>
public sealed class HostileCaseGenerator(FuzzTargets t, int seed)
{
    private const string Posts = ResourceNames.PostsApi;
    private const string Admin = ResourceNames.AdminService;
    private const long Missing = 8_999_999_999_999L;

    /// <summary>The admin UI's token cookie (PlatformUi.TokenCookie in the admin service, which tests do not reference).</summary>
    private const string TokenCookie = "threadline-ui-token";

    private static readonly string[] AllMethods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO"];

    /// <summary>Every filter of the timeline, with the companion parameter it needs for its value to reach SQL.</summary>
    private static readonly (string Name, string Companion)[] FilterParameters =
    [
        ("schema", ""), ("table", ""), ("key", "table=posts&"), ("actorType", ""), ("actorId", "actorType=user&"),
        ("onBehalfOfType", ""), ("onBehalfOfId", "onBehalfOfType=user&"), ("op", ""), ("from", ""), ("to", ""),
        ("correlationId", ""), ("requestId", ""), ("jobId", ""), ("traceId", ""), ("actionId", ""), ("actionName", ""),
        ("transactionId", ""), ("cursor", ""), ("limit", ""), ("order", ""),
    ];

    private readonly Random _random = new(seed);
    private readonly List<HostileCase> _cases = [];
    private readonly List<string> _payloads = [];

    public IReadOnlyList<HostileCase> Generate()
    {
        _payloads.AddRange(Payloads.Fixed);
        for (var i = 0; i < 8; i++)
        {
            _payloads.Add(Payloads.Random(_random));
        }

        CredentialMatrix();
        Filters();
        UnstorableKeys();
        OtherQueryParameters();
        RouteParameters();
        UiInputs();
        PostBodies();
        Methods();
        HeaderCases();
        HugeInputs();
        Login();
        RawRequests();
        return _cases;
    }

    private static string CanaryKey(long id) => Uri.EscapeDataString($"{{\"id\":{id}}}");

    private static readonly string FarFuture = Uri.EscapeDataString("2999-01-01T00:00:00Z");

    private void Add(HostileCase c) => _cases.Add(c with { Number = _cases.Count + 1 });

    private static KeyValuePair<string, string>[] Auth(string? value) => value is null ? [] : [new("Authorization", value)];

    private static KeyValuePair<string, string>[] Cookie(string? token) =>
        token is null ? [] : [new("Cookie", $"{TokenCookie}={token}")];

    private static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    private static IReadOnlySet<int> Set(params int[] statuses) => statuses.ToHashSet();

    // ------------------------------------------------------------------------------------------------------------
    // Who may see what: every credential against every protected surface.
    // ------------------------------------------------------------------------------------------------------------

    private void CredentialMatrix()
    {
        var key = CanaryKey(t.CanaryPostId);
        (string Route, bool ShowsTitle)[] adminRoutes =
        [
            ($"/api/v1/audit/changes?table=posts&key={key}", true),
            ($"/api/v1/audit/changes/{t.CanaryChangeId}", true),
            ($"/api/v1/audit/changes/{t.CanaryChangeId}/diff", true),
            ($"/api/v1/audit/transactions/{t.CanaryTransactionId}", true),
            ($"/api/v1/audit/rows/public/posts/history?key={key}", true),
            ($"/api/v1/audit/rows/public/posts/state?key={key}&at={FarFuture}", true),
            ($"/api/v1/audit/actors/user/{Uri.EscapeDataString(t.CanaryOwner)}/activity", false),
            ($"/api/v1/audit/actions/{t.CanaryActionId}", true),
            ($"/api/v1/audit/export?table=posts&key={key}&format=csv", true),
        ];
        string[] uiRoutes = [$"/ui?table=posts&key={key}", $"/ui/transactions/{t.CanaryTransactionId}"];

        foreach (var credential in t.Credentials)
        {
            var kestrel = credential.Raw;
            foreach (var (route, showsTitle) in adminRoutes)
            {
                Add(new(0, "credentials", Admin, "GET", route, $"Authorization: {credential.Name}")
                {
                    Headers = Auth(credential.Value),
                    Grant = credential.Grant,
                    KestrelMayReject = kestrel,
                    Expected = Statuses(credential.Grant, kestrel, none: 401, authenticated: 403, auditor: 200),
                    Check = credential.Grant == Grant.Auditor && showsTitle ? MustShow(t.CanaryTitle) : null,
                });
            }

            foreach (var route in uiRoutes)
            {
                Add(new(0, "credentials", Admin, "GET", route, $"Authorization: {credential.Name}")
                {
                    Headers = Auth(credential.Value),
                    Grant = credential.Grant,
                    KestrelMayReject = kestrel,
                    Expected = Statuses(credential.Grant, kestrel, none: credential.Value is null ? 302 : 401, authenticated: 403, auditor: 200),
                    Check = credential.Grant == Grant.Auditor ? MustShow(t.CanaryOwner) : null,
                });
                Add(new(0, "credentials", Admin, "GET", route, $"UI cookie: {credential.Name}")
                {
                    Headers = Cookie(credential.CookieValue),
                    Grant = credential.GrantAsCookie,
                    KestrelMayReject = kestrel,
                    Expected = Statuses(credential.GrantAsCookie, kestrel, none: 302, authenticated: 403, auditor: 200),
                    Check = credential.GrantAsCookie == Grant.Auditor ? MustShow(t.CanaryOwner) : null,
                });
            }

            if (credential.GrantAsCookie == Grant.Auditor)
            {
                // The UI cookie never authenticates the JSON API.
                foreach (var (route, _) in adminRoutes)
                {
                    Add(new(0, "credentials", Admin, "GET", route, $"auditor UI cookie on the API: {credential.Name}")
                    {
                        Headers = Cookie(credential.CookieValue),
                        Grant = Grant.None,
                        Expected = Set(401),
                    });
                }
            }

            var oddSubject = credential.Name.Contains("subject", StringComparison.Ordinal);
            // A validly signed token without a subject names nobody: the default resolver makes it the anonymous actor,
            // and the strict posts table refuses an anonymous write (TL003), answered 401. Reads and no-op deletes pass.
            var namesNobody = credential.Name == "no subject";
            IReadOnlySet<int> Write(int ok, bool writes = false) => namesNobody && writes
                ? Set(401)
                : Statuses(credential.Grant, kestrel, none: 401, authenticated: ok, auditor: ok, alsoWhenValid: oddSubject ? 400 : null);
            Add(new(0, "credentials", Posts, "GET", $"/posts/{t.CanaryPostId}", $"Authorization: {credential.Name}")
            {
                Headers = Auth(credential.Value),
                Grant = credential.Grant,
                KestrelMayReject = kestrel,
                Expected = Write(200),
            });
            Add(new(0, "credentials", Posts, "POST", "/posts", $"Authorization: {credential.Name}")
            {
                Headers = Auth(credential.Value),
                Grant = credential.Grant,
                KestrelMayReject = kestrel,
                Body = Json($"{{\"title\":\"credential check {credential.Name}\",\"body\":\"x\"}}"),
                ContentType = "application/json",
                Expected = Write(201, writes: true),
            });
            Add(new(0, "credentials", Posts, "PUT", $"/posts/{t.VictimPostId}", $"Authorization: {credential.Name}")
            {
                Headers = Auth(credential.Value),
                Grant = credential.Grant,
                KestrelMayReject = kestrel,
                Body = Json($"{{\"title\":\"overwritten by {credential.Name}\"}}"),
                ContentType = "application/json",
                Expected = Write(200, writes: true),
            });
            // Refused callers aim at the canary itself (it must survive); accepted ones at a post that does not exist.
            var deleteTarget = credential.Grant == Grant.None ? t.CanaryPostId : Missing;
            Add(new(0, "credentials", Posts, "DELETE", $"/posts/{deleteTarget}", $"Authorization: {credential.Name}")
            {
                Headers = Auth(credential.Value),
                Grant = credential.Grant,
                KestrelMayReject = kestrel,
                Expected = Write(404),
            });
        }
    }

    private static IReadOnlySet<int> Statuses(Grant grant, bool kestrel, int none, int authenticated, int auditor, int? alsoWhenValid = null)
    {
        var statuses = new HashSet<int> { grant switch { Grant.None => none, Grant.Authenticated => authenticated, _ => auditor } };
        if (kestrel)
        {
            statuses.Add(400);
        }

        if (alsoWhenValid is { } extra && grant != Grant.None)
        {
            statuses.Add(extra);
        }

        return statuses;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Injection and garbage in every filter and query parameter, as an auditor.
    // ------------------------------------------------------------------------------------------------------------

    private void Filters()
    {
        foreach (var payload in _payloads)
        {
            var value = Payloads.Escape(payload);
            foreach (var (name, companion) in FilterParameters)
            {
                AddAuditorQuery("filter", $"/api/v1/audit/changes?{companion}{name}={value}", $"{name} = {payload}");
            }

            // The key as valid JSON carrying the payload as a string value and as a column name.
            AddAuditorQuery("filter", $"/api/v1/audit/changes?table=posts&key={Uri.EscapeDataString("{\"id\":" + Payloads.JsonString(payload) + "}")}", $"key id = {payload}");
            AddAuditorQuery("filter", $"/api/v1/audit/changes?table=posts&key={Uri.EscapeDataString("{" + Payloads.JsonString(payload) + ":1}")}", $"key column {payload}");
            // The payload as a parameter name.
            AddAuditorQuery("filter", $"/api/v1/audit/changes?{value}=1", $"parameter named {payload}");

            // Export with the payload in one filter, streamed or counted.
            var (filter, filterCompanion) = FilterParameters[_random.Next(FilterParameters.Length - 3)];
            var format = new[] { "csv", "ndjson", "json" }[_random.Next(3)];
            AddAuditorQuery("export", $"/api/v1/audit/export?{filterCompanion}{filter}={value}&format={format}&maxRows=5", $"export {format}, {filter} = {payload}");
            AddAuditorQuery("export", $"/api/v1/audit/export?{filterCompanion}{filter}={value}&dryRun=true", $"export dry run, {filter} = {payload}");
        }
    }

    private void UnstorableKeys()
    {
        foreach (var key in Payloads.UnstorableKeys)
        {
            var value = Uri.EscapeDataString(key);
            AddAuditorQuery("key", $"/api/v1/audit/changes?table=posts&key={value}", key);
            AddAuditorQuery("key", $"/api/v1/audit/rows/public/posts/history?key={value}", key);
            AddAuditorQuery("key", $"/api/v1/audit/rows/public/posts/state?key={value}&at=2030-01-01T00:00:00Z", key);
            AddAuditorQuery("key", $"/api/v1/audit/export?table=posts&key={value}&format=ndjson", key);
            AddAuditorQuery("key", $"/api/v1/audit/export?table=posts&key={value}&dryRun=true", key);
        }
    }

    private void OtherQueryParameters()
    {
        var none = CanaryKey(-1);
        string[] shapes =
        [
            "/api/v1/audit/rows/public/posts/history?key={0}",
            $"/api/v1/audit/rows/public/posts/history?key={none}&cursor={{0}}",
            $"/api/v1/audit/rows/public/posts/history?key={none}&limit={{0}}",
            $"/api/v1/audit/rows/public/posts/history?key={none}&{{0}}=1",
            "/api/v1/audit/rows/public/posts/state?key={0}&at=2030-01-01T00:00:00Z",
            $"/api/v1/audit/rows/public/posts/state?key={none}&at={{0}}",
            "/api/v1/audit/actors/user/nobody/activity?from={0}",
            "/api/v1/audit/actors/user/nobody/activity?to={0}",
            $"/api/v1/audit/actions/{t.CanaryActionId}?cursor={{0}}",
            $"/api/v1/audit/actions/{t.CanaryActionId}?limit={{0}}",
            $"/api/v1/audit/actions/{t.CanaryActionId}?order={{0}}",
            "/api/v1/audit/export?table=nothing&format={0}",
            "/api/v1/audit/export?table=nothing&maxRows={0}",
            "/api/v1/audit/export?table=nothing&dryRun={0}",
            "/api/v1/audit/export?table=nothing&limit={0}",
        ];
        foreach (var payload in _payloads)
        {
            foreach (var shape in Pick(shapes, 4))
            {
                AddAuditorQuery("query", string.Format(CultureInfo.InvariantCulture, shape, Payloads.Escape(payload)), payload);
            }
        }
    }

    private void RouteParameters()
    {
        var none = CanaryKey(-1);
        string[] shapes =
        [
            "/api/v1/audit/changes/{0}",
            "/api/v1/audit/changes/{0}/diff",
            "/api/v1/audit/transactions/{0}",
            "/api/v1/audit/actions/{0}",
            $"/api/v1/audit/rows/{{0}}/posts/history?key={none}",
            $"/api/v1/audit/rows/public/{{0}}/history?key={none}",
            $"/api/v1/audit/rows/public/{{0}}/state?key={none}&at=2030-01-01T00:00:00Z",
            "/api/v1/audit/actors/{0}/nobody/activity",
            "/api/v1/audit/actors/user/{0}/activity",
        ];
        foreach (var payload in _payloads.Where(p => p.Trim().Length > 0))
        {
            foreach (var shape in shapes)
            {
                AddAuditorQuery("route", string.Format(CultureInfo.InvariantCulture, shape, Payloads.Escape(payload)), payload, nulInPath: payload.Contains('\0', StringComparison.Ordinal));
            }

            Add(new(0, "route", Posts, "GET", $"/posts/{Payloads.Escape(payload)}", payload)
            {
                Headers = Auth(t.WriterAuthorization),
                Grant = Grant.Authenticated,
                KestrelMayReject = payload.Length > 2000 || payload.Contains('\0', StringComparison.Ordinal),
                Expected = Set(400, 404, 414),
            });
        }
    }

    /// <param name="nulInPath">Kestrel refuses a NUL decoded into the path itself, with a bodiless 400.</param>
    private void AddAuditorQuery(string category, string target, string description, bool nulInPath = false) =>
        Add(new(0, category, Admin, "GET", target, description)
        {
            Headers = Auth(t.AuditorAuthorization),
            Grant = Grant.Auditor,
            KestrelMayReject = target.Length > 8000 || nulInPath,
            Expected = Set(200, 400, 404, 414, 422),
            Check = NoRows,
        });

    private void UiInputs()
    {
        string[] parameters = ["schema", "table", "key", "actorType", "actorId", "op", "from", "to", "correlationId", "requestId", "jobId", "traceId", "cursor", "limit", "order", "actionId", "transactionId"];
        var none = CanaryKey(-1);
        string[] shapes =
        [
            $"/ui/rows/{{0}}/posts?key={none}",
            $"/ui/rows/public/{{0}}?key={none}",
            "/ui/rows/public/posts?key={0}",
            $"/ui/rows/public/posts?key={none}&at={{0}}",
            $"/ui/rows/public/posts?key={none}&cursor={{0}}",
            "/ui/transactions/{0}",
            "/ui/status/{0}",
        ];
        foreach (var payload in _payloads)
        {
            var value = Payloads.Escape(payload);
            foreach (var parameter in Pick(parameters, 5))
            {
                AddUi($"/ui?{parameter}={value}", $"{parameter} = {payload}");
            }

            if (payload.Trim().Length > 0)
            {
                foreach (var shape in Pick(shapes, 3))
                {
                    var target = string.Format(CultureInfo.InvariantCulture, shape, value);
                    AddUi(target, payload, nulInPath: payload.Contains('\0', StringComparison.Ordinal) && target.Split('?')[0].Contains("%00", StringComparison.Ordinal));
                }
            }
        }

        void AddUi(string target, string description, bool nulInPath = false) =>
            Add(new(0, "ui", Admin, "GET", target, description)
            {
                Headers = Auth(t.AuditorAuthorization),
                Grant = Grant.Auditor,
                KestrelMayReject = target.Length > 8000 || nulInPath,
                Expected = Set(200, 302, 400, 404, 414, 422),
            });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Request bodies of the posts API.
    // ------------------------------------------------------------------------------------------------------------

    private void PostBodies()
    {
        var bodies = new List<(string Description, byte[] Body, string? ContentType, int[] Expected)>
        {
            ("valid", Json("""{"title":"hostile control","body":"fine"}"""), "application/json", [201]),
            ("empty body", [], "application/json", [400]),
            ("open brace", Json("{"), "application/json", [400]),
            ("close brace", Json("}"), "application/json", [400]),
            ("array", Json("[]"), "application/json", [400]),
            ("null", Json("null"), "application/json", [400]),
            ("string", Json("\"title\""), "application/json", [400]),
            ("number", Json("123"), "application/json", [400]),
            ("true", Json("true"), "application/json", [400]),
            ("empty object", Json("{}"), "application/json", [422]),
            ("title null", Json("""{"title":null}"""), "application/json", [422]),
            ("title number", Json("""{"title":5}"""), "application/json", [400]),
            ("title array", Json("""{"title":["a"]}"""), "application/json", [400]),
            ("title object", Json("""{"title":{"a":1}}"""), "application/json", [400]),
            ("title bool", Json("""{"title":true}"""), "application/json", [400]),
            ("title huge number", Json("""{"title":1e999}"""), "application/json", [400]),
            ("body number", Json("""{"title":"a","body":5}"""), "application/json", [400]),
            ("duplicate title", Json("""{"title":"a","title":"b"}"""), "application/json", [201, 400]),
            ("unknown property", Json("""{"title":"a","admin":true,"id":1,"auditTransactionId":7}"""), "application/json", [201]),
            ("pascal case", Json("""{"Title":"a","Body":"b"}"""), "application/json", [201]),
            ("trailing comma", Json("""{"title":"a",}"""), "application/json", [400]),
            ("comment", Json("""{"title":"a" /* c */}"""), "application/json", [400]),
            ("single quotes", Json("{'title':'a'}"), "application/json", [400]),
            ("unquoted name", Json("{title:\"a\"}"), "application/json", [400]),
            ("truncated string", Json("{\"title\":\"a"), "application/json", [400]),
            ("bad escape", Json("{\"title\":\"\\q\"}"), "application/json", [400]),
            ("short unicode escape", Json("{\"title\":\"\\u12\"}"), "application/json", [400]),
            ("nested 200 deep", Json("{\"title\":\"a\",\"x\":" + new string('[', 200) + new string(']', 200) + "}"), "application/json", [400]),
            ("BOM then JSON", [0xEF, 0xBB, 0xBF, .. Json("""{"title":"bom"}""")], "application/json", [201, 400]),
            ("invalid UTF-8", [.. Json("{\"title\":\""), 0xC3, 0x28, 0xFF, .. Json("\"}")], "application/json", [400]),
            ("overlong UTF-8 NUL", [.. Json("{\"title\":\"a"), 0xC0, 0x80, .. Json("\"}")], "application/json", [400]),
            ("UTF-16 body", Encoding.Unicode.GetBytes("""{"title":"utf16"}"""), "application/json", [400]),
            ("UTF-16 charset", Encoding.Unicode.GetBytes("""{"title":"utf16"}"""), "application/json; charset=utf-16", [201, 400, 415]),
            ("unknown charset", Json("""{"title":"a"}"""), "application/json; charset=klingon", [400, 415]),
            ("no content type", Json("""{"title":"a"}"""), null, [415]),
            ("text/plain", Json("""{"title":"a"}"""), "text/plain", [415]),
            ("xml", Json("<post><title>a</title></post>"), "application/xml", [415]),
            ("form", Json("title=a&body=b"), "application/x-www-form-urlencoded", [415]),
            ("multipart", Json("--x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na\r\n--x--\r\n"), "multipart/form-data; boundary=x", [415]),
            ("+json media type", Json("""{"title":"a"}"""), "application/merge-patch+json", [201, 415]),
            ("garbage content type", Json("""{"title":"a"}"""), "///;;;", [400, 415]),
            ("title whitespace", Json("""{"title":"   "}"""), "application/json", [422]),
            ("title NBSP", Json("""{"title":"\u00a0"}"""), "application/json", [422]),
            ("title zero width space", Json("""{"title":"\u200b"}"""), "application/json", [201]),
            ("title 200 chars", Json($"{{\"title\":\"{new string('t', 200)}\"}}"), "application/json", [201]),
            ("title 201 chars", Json($"{{\"title\":\"{new string('t', 201)}\"}}"), "application/json", [422]),
            ("title 200 two-byte letters", Json($"{{\"title\":\"{new string('é', 200)}\"}}"), "application/json", [201]),
            ("title 100 emoji", Json($"{{\"title\":\"{string.Concat(Enumerable.Repeat("😀", 100))}\"}}"), "application/json", [201, 422]),
            ("title 101 emoji", Json($"{{\"title\":\"{string.Concat(Enumerable.Repeat("😀", 101))}\"}}"), "application/json", [422]),
            ("body 20000 chars", Json($"{{\"title\":\"a\",\"body\":\"{new string('b', 20_000)}\"}}"), "application/json", [201]),
            ("body 20001 chars", Json($"{{\"title\":\"a\",\"body\":\"{new string('b', 20_001)}\"}}"), "application/json", [422]),
        };

        // Characters a text column cannot hold, and other hostile text, in the title and in the body.
        string[] texts = ["\0", "a\0b", "\ud800", "a\udc00b", "\udc00\ud800", "\u0001\u0002", "tab\there", "new\nline", "\u0085\u2028\u2029", "\u202Eevil", "\uFFFE\uFFFF", "\uDBFF\uDFFF", "<script>alert(1)</script>", "'; DROP TABLE posts; --", "${jndi:ldap://127.0.0.1/a}"];
        foreach (var text in texts)
        {
            var json = Payloads.JsonString(text);
            bodies.Add(($"title {HostileCase.Shorten(text, 40)}", Json($"{{\"title\":{json}}}"), "application/json", [201, 400, 422]));
            bodies.Add(($"body {HostileCase.Shorten(text, 40)}", Json($"{{\"title\":\"body test\",\"body\":{json}}}"), "application/json", [201, 400, 422]));
        }

        for (var i = 0; i < 24; i++)
        {
            var text = Payloads.Random(_random, 60);
            var field = i % 2 == 0 ? "title" : "body";
            var json = field == "title" ? $"{{\"title\":{Payloads.JsonString(text)}}}" : $"{{\"title\":\"random body\",\"body\":{Payloads.JsonString(text)}}}";
            bodies.Add(($"random {field} {HostileCase.Shorten(text, 60)}", Json(json), "application/json", [201, 400, 422]));
        }

        foreach (var (description, body, contentType, expected) in bodies)
        {
            Add(new(0, "body", Posts, "POST", "/posts", description)
            {
                Headers = Auth(t.WriterAuthorization),
                Grant = Grant.Authenticated,
                Body = body,
                ContentType = contentType,
                Expected = Set(expected),
            });
        }

        // Updates take the same body, on an existing post, a missing one and ids that are not ids.
        foreach (var (description, body, contentType, expected) in bodies.Where((_, i) => i % 2 == 0))
        {
            var target = _random.Next(4) switch
            {
                0 => $"/posts/{Missing}",
                1 => "/posts/-1",
                2 => "/posts/99999999999999999999",
                _ => $"/posts/{t.VictimPostId}",
            };
            var missing = !target.EndsWith(t.VictimPostId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Add(new(0, "body", Posts, "PUT", target, description)
            {
                Headers = Auth(t.WriterAuthorization),
                Grant = Grant.Authenticated,
                Body = body,
                ContentType = contentType,
                // A missing post is only looked up once the body is valid; a valid body updates with 200, not 201.
                Expected = Set([.. expected.Select(s => s == 201 ? (missing ? 404 : 200) : s), 404]),
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Every method on every route, with and without credentials.
    // ------------------------------------------------------------------------------------------------------------

    private void Methods()
    {
        var key = CanaryKey(t.CanaryPostId);
        (string Resource, string Route)[] routes =
        [
            (Posts, "/posts"),
            (Posts, $"/posts/{t.DoomedPostId}"),
            (Posts, $"/posts/{Missing}"),
            (Posts, "/health"),
            (Posts, "/alive"),
            (Posts, "/no-such-route"),
            (Admin, "/api/v1/audit/changes?table=nothing"),
            (Admin, $"/api/v1/audit/changes/{t.CanaryChangeId}"),
            (Admin, $"/api/v1/audit/changes/{t.CanaryChangeId}/diff"),
            (Admin, $"/api/v1/audit/transactions/{t.CanaryTransactionId}"),
            (Admin, $"/api/v1/audit/rows/public/posts/history?key={key}"),
            (Admin, $"/api/v1/audit/rows/public/posts/state?key={key}&at={FarFuture}"),
            (Admin, "/api/v1/audit/actors/user/nobody/activity"),
            (Admin, $"/api/v1/audit/actions/{t.CanaryActionId}"),
            (Admin, "/api/v1/audit/export?table=nothing&maxRows=3"),
            (Admin, "/openapi/v1.json"),
            (Admin, "/health"),
            (Admin, "/no-such-route"),
            (Admin, "/ui"),
            (Admin, "/ui/login"),
            (Admin, "/ui/logout"),
            (Admin, $"/ui/rows/public/posts?key={key}"),
            (Admin, $"/ui/transactions/{t.CanaryTransactionId}"),
            (Admin, "/ui/status/404"),
            (Admin, "/ui/admin-ui.css"),
            (Admin, "/ui/no-such-page"),
        ];
        foreach (var (resource, route) in routes)
        {
            foreach (var method in AllMethods)
            {
                var withBody = method is "POST" or "PUT" or "PATCH";
                foreach (var authenticated in new[] { true, false })
                {
                    var credential = !authenticated ? null : resource == Posts ? t.WriterAuthorization : t.AuditorAuthorization;
                    Add(new(0, "method", resource, method, route, authenticated ? "with the right role" : "anonymous")
                    {
                        Headers = Auth(credential),
                        Grant = !authenticated ? Grant.None : resource == Posts ? Grant.Authenticated : Grant.Auditor,
                        Body = withBody ? Json("""{"title":"method check"}""") : null,
                        ContentType = withBody ? "application/json" : null,
                    });
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Headers: audit context ids, sizes, counts, overrides and content negotiation.
    // ------------------------------------------------------------------------------------------------------------

    private void HeaderCases()
    {
        var post = Json("""{"title":"header check"}""");
        (string Name, string Value, string Description, bool Kestrel)[] headers =
        [
            ("X-Request-Id", new string('r', 300), "request id of 300 chars", false),
            ("X-Request-Id", new string('r', 5000), "request id of 5000 chars", false),
            ("X-Request-Id", "tab\there", "request id with a tab", false),
            ("X-Request-Id", "", "empty request id", false),
            ("X-Request-Id", "   ", "blank request id", false),
            ("X-Request-Id", "' OR 1=1; --", "request id with SQL", false),
            ("X-Request-Id", "ünïcödé-😀", "request id with non-ASCII bytes", true),
            ("X-Request-Id", "a\u0001b", "request id with a control char", true),
            ("X-Correlation-Id", new string('c', 300), "correlation id of 300 chars", false),
            ("X-Correlation-Id", "tab\there", "correlation id with a tab", false),
            ("X-Correlation-Id", "'); SELECT set_config('threadline.actor', 'x', true); --", "correlation id with set_config", false),
            ("X-Correlation-Id", "ünïcödé", "correlation id with non-ASCII bytes", true),
            ("X-HTTP-Method-Override", "DELETE", "method override", false),
            ("X-Original-URL", "/api/v1/audit/changes", "original URL rewrite", false),
            ("X-Rewrite-URL", "/api/v1/audit/changes", "rewrite URL", false),
            ("X-Forwarded-For", "127.0.0.1, 10.0.0.1, ' OR 1=1", "forwarded for", false),
            ("X-Forwarded-Host", "evil.example", "forwarded host", false),
            ("X-Forwarded-Proto", "gopher", "forwarded proto", false),
            ("Host", "evil.example", "foreign host", false),
            ("Host", "", "empty host", true),
            ("Accept", "application/xml", "accept XML only", false),
            ("Accept", "text/html", "accept HTML only", false),
            ("Accept", "*/*;q=abc, application/json;q=-1", "malformed accept", false),
            ("Accept", string.Join(", ", Enumerable.Range(0, 500).Select(i => $"application/x-{i}+json")), "500 accept types", false),
            ("Accept-Encoding", "gzip;q=2, br, zstd, ' OR 1=1", "odd accept encoding", false),
            ("Accept-Language", new string('x', 4000), "4000-char accept language", false),
            ("Cookie", string.Join("; ", Enumerable.Range(0, 300).Select(i => $"c{i}=v{i}")), "300 cookies", false),
            ("Cookie", $"{TokenCookie}=a; {TokenCookie}=b", "duplicate token cookies", false),
            ("Range", "bytes=0-1,5-2,-9999999999999999999", "bad range", false),
            ("If-None-Match", new string('"', 1000), "quote storm", false),
            ("Content-Encoding", "gzip", "gzip claimed, plain sent", false),
            ("Expect", "100-continue", "expect continue", false),
            ("Expect", "999-nonsense", "unknown expectation", true),
        ];
        foreach (var (name, value, description, kestrel) in headers)
        {
            var extra = new KeyValuePair<string, string>(name, value);
            Add(new(0, "header", Posts, "POST", "/posts", description)
            {
                Headers = [.. Auth(t.WriterAuthorization), extra],
                Grant = Grant.Authenticated,
                Body = post,
                ContentType = "application/json",
                KestrelMayReject = kestrel,
            });
            Add(new(0, "header", Posts, "GET", $"/posts/{t.CanaryPostId}", description)
            {
                Headers = [.. Auth(t.WriterAuthorization), extra],
                Grant = Grant.Authenticated,
                KestrelMayReject = kestrel,
            });
            Add(new(0, "header", Admin, "GET", $"/api/v1/audit/transactions/{t.CanaryTransactionId}", description + " (no token)")
            {
                Headers = [extra],
                Grant = Grant.None,
                KestrelMayReject = kestrel,
                Expected = kestrel ? Set(400, 401) : Set(401),
            });
            Add(new(0, "header", Admin, "GET", "/ui/transactions/1", description + " (auditor)")
            {
                Headers = [.. Auth(t.AuditorAuthorization), extra],
                Grant = Grant.Auditor,
                KestrelMayReject = kestrel,
            });
        }

        // The method override must not turn a read into a delete: the canary is checked after the run.
        Add(new(0, "header", Posts, "POST", $"/posts/{t.CanaryPostId}", "POST with X-HTTP-Method-Override: DELETE on the canary")
        {
            Headers = [.. Auth(t.WriterAuthorization), new("X-HTTP-Method-Override", "DELETE")],
            Grant = Grant.Authenticated,
            Expected = Set(405),
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // Huge inputs: megabyte bodies, 100 KB headers and query strings.
    // ------------------------------------------------------------------------------------------------------------

    private void HugeInputs()
    {
        var oneMegabyteTitle = Json($"{{\"title\":\"{new string('T', 1 << 20)}\"}}");
        var fiveMegabyteBody = Json($"{{\"title\":\"big\",\"body\":\"{new string('B', 5 << 20)}\"}}");
        var whitespace = Json(new string(' ', 3 << 20) + """{"title":"after whitespace"}""" + new string('\n', 1 << 20));
        var deepArrays = Json("{\"title\":\"a\",\"x\":" + new string('[', 2 << 20) + "}");
        var manyProperties = Json("{" + string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"\"p{i}\":{i}")) + ",\"title\":\"many properties\"}");
        var longArray = Json("{\"title\":\"long array\",\"x\":[" + string.Join(",", Enumerable.Repeat("1", 1_000_000)) + "]}");
        var escapes = Json("{\"title\":\"a\",\"body\":\"" + string.Concat(Enumerable.Repeat("\\u0000", 300_000)) + "\"}");

        (string Description, byte[] Body, int[] Expected)[] posts =
        [
            ("1 MB title", oneMegabyteTitle, [422]),
            ("5 MB body", fiveMegabyteBody, [422]),
            ("4 MB of whitespace around a valid body", whitespace, [201]),
            ("2 MB of nested arrays", deepArrays, [400]),
            ("100,000 unknown properties", manyProperties, [201]),
            ("a million-element array", longArray, [201]),
            ("1.8 MB of \\u0000 escapes in the body", escapes, [400, 422]),
        ];
        foreach (var (description, body, expected) in posts)
        {
            Add(new(0, "huge", Posts, "POST", "/posts", description)
            {
                Headers = Auth(t.WriterAuthorization),
                Grant = Grant.Authenticated,
                Body = body,
                ContentType = "application/json",
                Expected = Set(expected),
            });
        }

        Add(new(0, "huge", Posts, "PUT", $"/posts/{t.VictimPostId}", "5 MB body")
        {
            Headers = Auth(t.WriterAuthorization),
            Grant = Grant.Authenticated,
            Body = fiveMegabyteBody,
            ContentType = "application/json",
            Expected = Set(422),
        });
        Add(new(0, "huge", Posts, "POST", "/posts", "5 MB body without a token")
        {
            Body = fiveMegabyteBody,
            ContentType = "application/json",
            Expected = Set(401),
        });
        Add(new(0, "huge", Admin, "GET", "/api/v1/audit/changes?table=nothing", "GET with a 2 MB body")
        {
            Headers = Auth(t.AuditorAuthorization),
            Grant = Grant.Auditor,
            Body = oneMegabyteTitle.Concat(oneMegabyteTitle).ToArray(),
            ContentType = "application/json",
            Expected = Set(200),
        });

        var hugeValue = new string('q', 100 * 1024);
        foreach (var (resource, route, authorization, grant) in new[]
        {
            (Posts, $"/posts/{t.CanaryPostId}", t.WriterAuthorization, Grant.Authenticated),
            (Admin, "/api/v1/audit/changes", t.AuditorAuthorization, Grant.Auditor),
            (Admin, "/ui", t.AuditorAuthorization, Grant.Auditor),
        })
        {
            Add(new(0, "huge", resource, "GET", $"{route}?correlationId={hugeValue}", "100 KB query string")
            {
                Headers = Auth(authorization),
                Grant = grant,
                KestrelMayReject = true,
                Expected = Set(414),
            });
            Add(new(0, "huge", resource, "GET", route.Split('?')[0].TrimEnd('/') + "/" + hugeValue[..20_000], "20 KB path")
            {
                Headers = Auth(authorization),
                Grant = grant,
                KestrelMayReject = true,
                Expected = Set(404, 414),
            });
            Add(new(0, "huge", resource, "GET", route, "100 KB header")
            {
                Headers = [.. Auth(authorization), new("X-Padding", hugeValue)],
                Grant = grant,
                KestrelMayReject = true,
                Expected = Set(431),
            });
            Add(new(0, "huge", resource, "GET", route, "100 KB Authorization header")
            {
                Headers = Auth("Bearer " + hugeValue),
                KestrelMayReject = true,
                Expected = Set(431),
            });
            Add(new(0, "huge", resource, "GET", route, "200 headers")
            {
                Headers = [.. Auth(authorization), .. Enumerable.Range(0, 200).Select(i => new KeyValuePair<string, string>($"X-H{i}", "v"))],
                Grant = grant,
                KestrelMayReject = true,
                Expected = Set(431),
            });
            Add(new(0, "huge", resource, "GET", route, "30 KB token cookie")
            {
                Headers = Cookie(new string('c', 30 * 1024)),
                KestrelMayReject = true,
                Expected = resource == Posts ? Set(401, 431) : route == "/ui" ? Set(302, 431) : Set(401, 431),
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The UI's sign-in form: forged tokens, oversized fields, open redirects.
    // ------------------------------------------------------------------------------------------------------------

    private void Login()
    {
        string[] returnUrls =
        [
            "/ui/transactions/1", "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "/ui/../../evil",
            "javascript:alert(1)", "/ui/login?returnUrl=//evil.example", "~/ui", "%2F%2Fevil.example", "/UI/transactions/1", "http:evil.example",
            "/ui/\r\nSet-Cookie: x=y", "\0", new string('/', 3000),
        ];
        var tokens = t.Credentials.Where(c => c.Value is not null && !c.Raw).Select(c => (c.Name, Token: c.CookieValue!, Valid: c.GrantAsCookie != Grant.None)).ToList();
        tokens.AddRange([
            ("empty", "", false),
            ("whitespace", "   ", false),
            ("bearer prefix only", "Bearer ", false),
            ("8193 chars", new string('a', 8193), false),
            ("control chars", "a\u0001.b\u0002.c", false),
            ("NUL", "\0\0\0", false),
            ("SQL", "' OR 1=1 --", false),
            ("JSON", "{\"alg\":\"none\"}", false),
        ]);

        foreach (var (name, token, valid) in tokens)
        {
            var returnUrl = returnUrls[_random.Next(returnUrls.Length)];
            AddLogin($"token: {name}; returnUrl {returnUrl}", token, returnUrl, valid ? Set(302, 404) : Set(400, 404));
        }

        foreach (var returnUrl in returnUrls)
        {
            AddLogin($"valid auditor token; returnUrl {returnUrl}", t.AuditorAuthorization["Bearer ".Length..], returnUrl, returnUrl.Contains('\0', StringComparison.Ordinal) ? Set(302, 404) : Set(302));
        }

        AddLogin("1 MB token field", new string('x', 1 << 20), "/ui", Set(400, 404, 413));
        AddLogin("5 MB token field", new string('x', 5 << 20), "/ui", Set(400, 404, 413));
        Add(new(0, "login", Admin, "POST", "/ui/login", "no antiforgery token")
        {
            Body = Encoding.UTF8.GetBytes("Token=" + Uri.EscapeDataString(t.AuditorAuthorization["Bearer ".Length..])),
            ContentType = "application/x-www-form-urlencoded",
            Expected = Set(400),
        });
        Add(new(0, "login", Admin, "POST", "/ui/login", "form fields repeated 10,000 times")
        {
            Headers = [new("Cookie", t.AntiforgeryCookie)],
            Body = Encoding.UTF8.GetBytes($"__RequestVerificationToken={Uri.EscapeDataString(t.AntiforgeryToken)}&" + string.Join("&", Enumerable.Repeat("Token=a", 10_000))),
            ContentType = "application/x-www-form-urlencoded",
            Expected = Set(400, 404),
        });
        Add(new(0, "login", Admin, "POST", "/ui/login", "JSON instead of a form")
        {
            Headers = [new("Cookie", t.AntiforgeryCookie)],
            Body = Json("""{"Token":"x"}"""),
            ContentType = "application/json",
            Expected = Set(400, 415),
        });
        Add(new(0, "login", Admin, "POST", "/ui/logout", "sign out without antiforgery token")
        {
            Headers = Cookie(t.AuditorAuthorization["Bearer ".Length..]),
            Grant = Grant.Auditor,
            Expected = Set(400),
        });
    }

    private void AddLogin(string description, string token, string returnUrl, IReadOnlySet<int> expected) =>
        Add(new(0, "login", Admin, "POST", "/ui/login", description)
        {
            Headers = [new("Cookie", t.AntiforgeryCookie)],
            Body = Encoding.UTF8.GetBytes($"__RequestVerificationToken={Uri.EscapeDataString(t.AntiforgeryToken)}&Token={Payloads.Escape(token)}&ReturnUrl={Payloads.Escape(returnUrl)}"),
            ContentType = "application/x-www-form-urlencoded",
            Expected = expected,
            Check = response => response.Status == 302 && !(response.Location ?? "").StartsWith("/ui", StringComparison.Ordinal)
                ? $"signed in but redirected off the UI to '{response.Location}'"
                : null,
        });

    // ------------------------------------------------------------------------------------------------------------
    // Bytes HttpClient will not send.
    // ------------------------------------------------------------------------------------------------------------

    private void RawRequests()
    {
        var auditorToken = t.AuditorAuthorization["Bearer ".Length..];
        var writer = t.WriterAuthorization;
        (string Resource, string Description, string Request, int[]? Expected, Grant Grant)[] raw =
        [
            (Admin, "dot segments out of the API", "GET /api/v1/audit/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", [404], Grant.None),
            (Admin, "dot segments from the UI into the API with the UI cookie", $"GET /ui/../api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nCookie: {TokenCookie}={auditorToken}\r\n\r\n", [401], Grant.None),
            (Admin, "encoded slash from the UI into the API with the UI cookie", $"GET /ui/..%2fapi/v1/audit/changes HTTP/1.1\r\nHost: x\r\nCookie: {TokenCookie}={auditorToken}\r\n\r\n", [400, 404], Grant.Auditor),
            (Admin, "encoded dots into the API with the UI cookie", $"GET /ui/%2e%2e/api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nCookie: {TokenCookie}={auditorToken}\r\n\r\n", [401, 404], Grant.None),
            (Admin, "double slash UI prefix with the UI cookie on the API", $"GET //ui/../api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nCookie: {TokenCookie}={auditorToken}\r\n\r\n", [401, 404], Grant.None),
            (Admin, "backslash traversal", "GET /ui/..\\..\\api/v1/audit/changes HTTP/1.1\r\nHost: x\r\n\r\n", [302, 400, 404], Grant.None),
            (Admin, "NUL in the path", "GET /api/v1/audit/changes\0 HTTP/1.1\r\nHost: x\r\n\r\n", [400], Grant.None),
            (Admin, "encoded NUL in the path", "GET /api/v1/audit/transactions/1%00 HTTP/1.1\r\nHost: x\r\n\r\n", [400, 401], Grant.None),
            (Admin, "encoded NUL in a route value as auditor", $"GET /api/v1/audit/transactions/1%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\r\n\r\n", [400], Grant.Auditor),
            (Admin, "invalid UTF-8 in the path as auditor", $"GET /api/v1/audit/rows/%ff%fe/posts/history?key=%7B%22id%22%3A1%7D HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\r\n\r\n", [200, 400], Grant.Auditor),
            (Admin, "invalid UTF-8 in the query as auditor", $"GET /api/v1/audit/changes?actorType=user&actorId=%ED%A0%80%C0%80 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\r\n\r\n", [200, 400], Grant.Auditor),
            (Admin, "raw non-ASCII bytes in the query as auditor", $"GET /api/v1/audit/changes?correlationId=\u00ff\u00fe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\r\n\r\n", [200, 400], Grant.Auditor),
            (Admin, "NUL in a header value", $"GET /api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\0\r\n\r\n", [400], Grant.None),
            (Admin, "header without a colon", "GET /api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nAuthorization Bearer x\r\n\r\n", [400], Grant.None),
            (Admin, "space in a header name", "GET /api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", [400], Grant.None),
            (Admin, "obsolete line folding", $"GET /api/v1/audit/changes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n {auditorToken}\r\n\r\n", [400], Grant.None),
            (Admin, "invalid method token", "G@T /api/v1/audit/changes HTTP/1.1\r\nHost: x\r\n\r\n", [400], Grant.None),
            (Admin, "lower-case method", $"get /api/v1/audit/changes?table=nothing HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auditorToken}\r\n\r\n", [200, 400, 404, 405], Grant.Auditor),
            (Admin, "no Host header", "GET /api/v1/audit/changes HTTP/1.1\r\n\r\n", [400], Grant.None),
            (Admin, "two Host headers", "GET /api/v1/audit/changes HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [400], Grant.None),
            (Admin, "absolute-form target for another host", "GET http://evil.example/api/v1/audit/changes HTTP/1.1\r\nHost: x\r\n\r\n", [400, 401], Grant.None),
            (Admin, "asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", null, Grant.None),
            (Admin, "CONNECT", "CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: 127.0.0.1:5432\r\n\r\n", null, Grant.None),
            (Admin, "HTTP/1.0 without Host", "GET /api/v1/audit/changes HTTP/1.0\r\n\r\n", [401], Grant.None),
            (Admin, "request line of 20 KB", "GET /api/v1/audit/changes?x=" + new string('a', 20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", [414], Grant.None),
            (Admin, "bare LF line endings", "GET /api/v1/audit/changes HTTP/1.1\nHost: x\n\n", [400, 401], Grant.None),
            (Posts, "Content-Length and chunked together", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /posts/1 HTTP/1.1\r\nHost: x\r\n\r\n", [400], Grant.Authenticated),
            (Posts, "negative Content-Length", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{{}}", [400], Grant.Authenticated),
            (Posts, "non-numeric Content-Length", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{{}}", [400], Grant.Authenticated),
            (Posts, "Content-Length beyond long", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n{{}}", [400, 413], Grant.Authenticated),
            (Posts, "two different Content-Lengths", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{{}}", [400], Grant.Authenticated),
            (Posts, "40 MB declared, 2 bytes sent", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 41943040\r\n\r\n{{}}", [413], Grant.Authenticated),
            (Posts, "body shorter than declared", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":\"a\"}}", [400, 408], Grant.Authenticated),
            (Posts, "invalid chunk size", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n", [400], Grant.Authenticated),
            (Posts, "chunk size beyond long", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n{{}}\r\n0\r\n\r\n", [400, 413], Grant.Authenticated),
            (Posts, "unterminated chunked body", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"ti", [400, 408], Grant.Authenticated),
            (Posts, "unknown transfer coding", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{{}}", [400], Grant.Authenticated),
            (Posts, "raw NUL inside a JSON title", $"POST /posts HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{{\"title\":\"a\0b\"}}", [400], Grant.Authenticated),
            (Posts, "pipelined requests, the second forged", $"GET /posts/{t.CanaryPostId} HTTP/1.1\r\nHost: x\r\nAuthorization: {writer}\r\n\r\nDELETE /posts/{t.CanaryPostId} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer forged\r\n\r\n", [200], Grant.Authenticated),
        ];
        foreach (var (resource, description, request, expected, grant) in raw)
        {
            var target = request.Split(' ', 3) is { Length: 3 } parts ? parts[1] : "?";
            Add(new(0, "raw", resource, request.Split(' ')[0], target, description)
            {
                Raw = Encoding.Latin1.GetBytes(request),
                Grant = grant,
                KestrelMayReject = true,
                Expected = expected is null ? null : Set(expected),
            });
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checks.
    // ------------------------------------------------------------------------------------------------------------

    private IEnumerable<T> Pick<T>(IReadOnlyList<T> items, int count) =>
        items.Select(item => (Item: item, Order: _random.Next())).OrderBy(p => p.Order).Take(count).Select(p => p.Item).ToArray();

    private static Func<HostileResponse, string?> MustShow(string text) => response =>
        response.Status is >= 200 and < 300 && !response.Body.Contains(text, StringComparison.Ordinal)
            ? $"an entitled caller did not get '{text}': the leak check would prove nothing"
            : null;

    /// <summary>A hostile filter value matches no real audit row, so a successful answer must be empty.</summary>
    private static string? NoRows(HostileResponse response)
    {
        if (response.Status != 200 || response.MediaType is null)
        {
            return null;
        }

        if (response.MediaType is "text/csv")
        {
            return response.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1 ? "a hostile filter exported rows" : null;
        }

        if (response.MediaType is "application/x-ndjson")
        {
            return response.Body.Trim().Length > 0 ? "a hostile filter exported rows" : null;
        }

        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.Array when root.GetArrayLength() > 0 => "a hostile filter matched activity",
                JsonValueKind.Object when root.TryGetProperty("items", out var items) && items.GetArrayLength() > 0 => "a hostile filter matched rows",
                JsonValueKind.Object when root.TryGetProperty("matchingRows", out var count) && count.GetInt64() > 0 => "a hostile filter counted rows",
                JsonValueKind.Object when root.TryGetProperty("state", out var state) && state.GetString() == "Exists" => "a hostile key found a row",
                _ => null,
            };
        }
        catch (JsonException)
        {
            return "200 with a body that is not JSON";
        }
    }
}
