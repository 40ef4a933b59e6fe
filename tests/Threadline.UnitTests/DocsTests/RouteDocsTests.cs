using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// Every API route the docs show (as <c>VERB /path</c> in code, or as a curl command) is mapped by the services, and
/// every investigation route the admin service maps is documented in docs/investigation.md. Routes are read from
/// the endpoint sources (route strings, groups, Razor <c>@page</c> directives, health checks, OpenAPI).
/// </summary>
public sealed partial class RouteDocsTests
{
    private static readonly string[] EndpointSources =
    [
        "src/Threadline.Platform.PostsApi/PostsEndpoints.cs",
        "src/Threadline.AspNetCore/ThreadlineInvestigationExtensions.cs",
    ];

    [Fact]
    public void The_endpoint_sources_map_the_routes_the_platform_is_known_for()
    {
        var mapped = MappedRoutes();

        Assert.Contains(new Route("POST", "/posts"), mapped);
        Assert.Contains(new Route("PUT", "/posts/{id}"), mapped);
        Assert.Contains(new Route("GET", "/api/v1/audit/transactions/{id}"), mapped);
        Assert.Contains(new Route("GET", "/api/v1/audit/export"), mapped);
    }

    [Fact]
    public void Every_route_in_the_README_and_the_docs_is_mapped()
    {
        var mapped = MappedRoutes();
        var documented = Repository.MarkdownDocs().SelectMany(f => DocumentedRoutes(Repository.Read(f)).Select(r => (File: f, Route: r))).ToList();

        Assert.Contains(documented, d => d.File == "docs/platform.md");
        Assert.Contains(documented, d => d.File == "docs/investigation.md");
        var unmapped = documented.Where(d => !mapped.Any(m => m.Matches(d.Route))).Select(d => $"{d.File}: {d.Route}").Distinct().ToList();
        Assert.True(unmapped.Count == 0, "Documented but not mapped by the services:\n" + string.Join("\n", unmapped));
    }

    [Fact]
    public void Every_investigation_route_is_documented_in_docs_investigation()
    {
        var documented = DocumentedRoutes(Repository.Read("docs/investigation.md")).ToList();
        var audit = MappedRoutes().Where(r => r.Path.StartsWith("/api/v1/audit/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(audit);
        var undocumented = audit.Where(r => !documented.Any(d => r.Matches(d))).ToList();
        Assert.True(undocumented.Count == 0, "Mapped in ThreadlineInvestigationExtensions.cs but not in docs/investigation.md: " + string.Join(", ", undocumented));
    }

    [Fact]
    public void A_documented_route_that_drifted_from_the_code_is_caught()
    {
        const string drifted = """
            | `GET /api/v1/audit/transactions/{id}` | still there |
            | `GET /api/v1/audit/transaction/{id}` | renamed in the docs only |

            ```bash
            curl -s http://localhost:5203/api/v1/audit/transactions/1 -H "Authorization: Bearer $TOKEN"
            curl -i -X PATCH http://localhost:5201/posts/2 -d '{}'
            ```
            """;
        var mapped = MappedRoutes();

        var unmapped = DocumentedRoutes(drifted).Where(d => !mapped.Any(m => m.Matches(d))).ToList();

        Assert.Equal([new Route("GET", "/api/v1/audit/transaction/{id}"), new Route("PATCH", "/posts/2")], unmapped);
    }

    internal sealed record Route(string Verb, string Path)
    {
        /// <summary>Same verb, same number of segments, each equal or a placeholder ({id}, &lt;id&gt;, …) on either side.</summary>
        public bool Matches(Route other)
        {
            var mine = Path.Trim('/').Split('/');
            var theirs = other.Path.Trim('/').Split('/');
            return Verb == other.Verb && mine.Length == theirs.Length && mine.Zip(theirs).All(p => p.First == p.Second || IsPlaceholder(p.First) || IsPlaceholder(p.Second));
        }

        public override string ToString() => $"{Verb} {Path}";

        private static bool IsPlaceholder(string segment) => segment is ['{', .., '}'] or ['<', .., '>'] or "…" or "...";
    }

    /// <summary>The routes the service sources map.</summary>
    internal static List<Route> MappedRoutes()
    {
        var routes = new List<Route>();
        foreach (var file in EndpointSources)
        {
            var source = Repository.Read(file);
            var groups = GroupPattern().Matches(source).ToDictionary(m => m.Groups["var"].Value, m => m.Groups["prefix"].Value, StringComparer.Ordinal);
            routes.AddRange(MapPattern().Matches(source).Select(m =>
                new Route(m.Groups["verb"].Value.ToUpperInvariant(), Normalize(groups.GetValueOrDefault(m.Groups["var"].Value, "") + m.Groups["route"].Value))));
        }

        // Routes mapped elsewhere that the docs may mention: health checks, OpenAPI and the admin UI's Razor pages.
        foreach (var file in Directory.EnumerateFiles(Repository.PathOf("Threadline.ServiceDefaults"), "*.cs", SearchOption.AllDirectories).Where(NotBuildOutput))
        {
            routes.AddRange(HealthPattern().Matches(File.ReadAllText(file)).Select(m => new Route("GET", m.Groups["route"].Value)));
        }

        if (File.ReadAllText(Repository.PathOf("src/Threadline.Platform.AdminService/Program.cs")).Contains("MapOpenApi(", StringComparison.Ordinal))
        {
            routes.Add(new Route("GET", "/openapi/{documentName}.json"));
        }

        foreach (var page in Directory.EnumerateFiles(Repository.PathOf("src/Threadline.AspNetCore.AdminUi/Pages"), "*.cshtml", SearchOption.AllDirectories).Where(NotBuildOutput))
        {
            if (PagePattern().Match(File.ReadAllText(page)) is { Success: true } match)
            {
                routes.Add(new Route("GET", Normalize(match.Groups["route"].Value)));
                routes.Add(new Route("POST", Normalize(match.Groups["route"].Value)));
            }
        }

        return routes;
    }

    /// <summary>Routes in a Markdown text: <c>VERB /path</c> in inline or fenced code, and curl commands to localhost.</summary>
    internal static IEnumerable<Route> DocumentedRoutes(string markdown)
    {
        foreach (Match match in VerbPath().Matches(markdown))
        {
            yield return new Route(match.Groups["verb"].Value, Normalize(match.Groups["path"].Value));
        }

        foreach (var line in markdown.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Where(l => l.TrimStart().StartsWith("curl ", StringComparison.Ordinal)))
        {
            if (CurlUrl().Match(line) is not { Success: true } url)
            {
                continue;
            }

            var verb = CurlVerb().Match(line) is { Success: true } explicitVerb ? explicitVerb.Groups["verb"].Value
                : CurlData().IsMatch(line) ? "POST"
                : "GET";
            yield return new Route(verb, Normalize(url.Groups["path"].Value));
        }
    }

    private static bool NotBuildOutput(string file) =>
        !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        && !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    /// <summary>Query string and constraints dropped, no trailing slash: "/posts/" + "/{id:long}?x" → "/posts/{id}".</summary>
    private static string Normalize(string route)
    {
        var path = route.Split('?')[0].Replace("//", "/", StringComparison.Ordinal);
        path = Constraint().Replace(path, "{${name}}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex("""var\s+(?<var>\w+)\s*=\s*\w+\.MapGroup\("(?<prefix>[^"]*)"\)""")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("""(?<var>\w+)\.Map(?<verb>Get|Post|Put|Delete|Patch)\("(?<route>[^"]*)"[,)]""")]
    private static partial Regex MapPattern();

    [GeneratedRegex("""MapHealthChecks\("(?<route>[^"]*)"[,)]|EndpointPath\s*=\s*"(?<route>/[^"]*)";""")]
    private static partial Regex HealthPattern();

    [GeneratedRegex("""^@page\s+"(?<route>[^"]*)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex PagePattern();

    [GeneratedRegex("""\{(?<name>\w+)(:[^}]*)?\}""")]
    private static partial Regex Constraint();

    [GeneratedRegex("""\b(?<verb>GET|POST|PUT|DELETE|PATCH) (?<path>/[^\s`|)"',]*)""")]
    private static partial Regex VerbPath();

    [GeneratedRegex("""https?://(localhost|127\.0\.0\.1)(:\d+)?(?<path>/[^\s'"]*)""")]
    private static partial Regex CurlUrl();

    [GeneratedRegex("""(-X|--request)\s+(?<verb>[A-Z]+)""")]
    private static partial Regex CurlVerb();

    [GeneratedRegex("""\s(-d|--data|--data-raw|--data-binary|-F|--form)\s""")]
    private static partial Regex CurlData();
}
