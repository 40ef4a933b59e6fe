using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Threadline.IntegrationTests.Evidence;

/// <summary>
/// Keeps the declared paths true to the services (every route and consumer declared, nothing declared that is gone)
/// and exports the declarations and the <see cref="ProvesPathAttribute"/> proofs for the evidence matrix generator.
/// Reads source files only: no platform needed.
/// </summary>
public sealed partial class DeclaredPathsTests
{
    /// <summary>The generator checks that this test passed in the same run before it trusts the export.</summary>
    public const string ExportTestName = nameof(The_declarations_and_proofs_are_exported_for_the_evidence_matrix);

    private static readonly string[] ServiceProjects =
    [
        "src/Threadline.Platform.PostsApi",
        "src/Threadline.Platform.JobWorker",
        "src/Threadline.Platform.AdminService",
        // The admin service hosts the packaged investigation API and UI: their routes and pages are its paths.
        "src/Threadline.AspNetCore",
        "src/Threadline.AspNetCore.AdminUi",
    ];

    [Fact]
    public void Every_path_is_declared_once_with_a_justification_only_when_NA()
    {
        var paths = DeclaredPaths();

        Assert.NotEmpty(paths);
        Assert.Equal(paths.Count, paths.Select(p => p.Path).Distinct(StringComparer.Ordinal).Count());
        Assert.All(paths, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace(p.Attribute.Description), $"{p.Id}: no description");
            if (p.Attribute.NotApplicable is { } justification)
            {
                // STG-03: one objective line, not "not relevant".
                Assert.DoesNotContain('\n', justification);
                Assert.True(justification.Length >= 40, $"{p.Id}: the N/A justification is too thin: '{justification}'");
            }
        });
        Assert.Contains(paths, p => p.Attribute.Kind == PathKind.Job && p.Attribute.NotApplicable is null);
    }

    [Fact]
    public void Every_proof_is_a_test_that_names_a_declared_path()
    {
        var declared = DeclaredPaths().Select(p => p.Path).ToHashSet(StringComparer.Ordinal);

        var proofs = Proofs().ToList();

        Assert.NotEmpty(proofs);
        Assert.All(proofs, p =>
        {
            Assert.True(declared.Contains(p.Path), $"{p.Method.DeclaringType!.Name}.{p.Method.Name} proves '{p.Path}', which AuditedPaths does not declare.");
            Assert.True(p.Method.GetCustomAttribute<FactAttribute>() is not null, $"{p.Method.DeclaringType!.Name}.{p.Method.Name} is not a [Fact] or [Theory].");
        });
        Assert.All(TopologyProofs(), m => Assert.True(m.GetCustomAttribute<FactAttribute>() is not null, $"{m.Name} is not a test."));
    }

    [Fact]
    public void Every_route_and_consumer_of_the_services_is_declared_and_every_declaration_exists()
    {
        var found = Scan();
        var declared = DeclaredPaths();
        var pages = found.Where(f => f.Key.StartsWith("PAGE ", StringComparison.Ordinal)).Select(f => f.Key).Distinct().ToList();
        var routesAndConsumers = found.Select(f => f.Key).Except(pages).ToHashSet(StringComparer.Ordinal);

        var undeclared = routesAndConsumers.Where(f => declared.All(d => d.Path != f)).ToList();
        var stale = declared.Where(d => d.Path != AuditedPaths.AdminUi && !routesAndConsumers.Contains(d.Path)).Select(d => d.Path).ToList();

        // A route or consumer written in a form the scan does not read would be missed silently; it fails here instead.
        var unread = ServiceProjects.SelectMany(UnreadRegistrations).ToList();
        Assert.True(unread.Count == 0, "Written in a form the route and consumer scan does not read (extend its patterns): " + string.Join(", ", unread));
        Assert.True(undeclared.Count == 0, "Not declared in AuditedPaths: " + string.Join(", ", undeclared));
        Assert.True(stale.Count == 0, "Declared in AuditedPaths but not found in the services: " + string.Join(", ", stale));
        Assert.Contains(AuditedPaths.CreatePost, routesAndConsumers);
        Assert.Contains(AuditedPaths.RefreshPostJob, routesAndConsumers);
        Assert.NotEmpty(pages);
        Assert.All(pages, p => Assert.True(p["PAGE ".Length..].StartsWith(UiPrefix, StringComparison.Ordinal), $"{p} is outside {AuditedPaths.AdminUi}: declare it."));
    }

    [Fact]
    public void The_declarations_and_proofs_are_exported_for_the_evidence_matrix()
    {
        var found = Scan();
        var export = new
        {
            schema = 1,
            exportedAt = DateTimeOffset.UtcNow,
            assembly = typeof(AuditedPaths).Assembly.GetName().Name,
            paths = DeclaredPaths().Select(p => new
            {
                id = p.Id,
                path = p.Path,
                kind = p.Attribute.Kind == PathKind.Http ? "HTTP" : "job",
                service = p.Attribute.Service,
                description = p.Attribute.Description,
                notApplicable = p.Attribute.NotApplicable,
                sources = Sources(p.Path, found),
            }),
            proofs = Proofs().Select(p => new { path = p.Path, className = p.Method.DeclaringType!.FullName, methodName = p.Method.Name }),
            topologyProofs = TopologyProofs().Select(m => new { className = m.DeclaringType!.FullName, methodName = m.Name }),
        };

        var file = EvidenceFiles.WriteJson(EvidenceFiles.DeclarationsFile, export);

        // What the generator will read, read back: every declaration and every proof, as this assembly has them.
        using var written = JsonDocument.Parse(File.ReadAllText(file));
        var root = written.RootElement;
        Assert.Equal(1, root.GetProperty("schema").GetInt32());
        Assert.Equal(
            DeclaredPaths().Select(p => $"{p.Id} {p.Path} {p.Attribute.Service} {p.Attribute.NotApplicable}"),
            root.GetProperty("paths").EnumerateArray().Select(p => $"{Text(p, "id")} {Text(p, "path")} {Text(p, "service")} {Text(p, "notApplicable")}"));
        Assert.All(root.GetProperty("paths").EnumerateArray(), p => Assert.True(
            p.GetProperty("notApplicable").ValueKind == JsonValueKind.String || p.GetProperty("sources").GetArrayLength() > 0,
            $"{Text(p, "path")} is exported with no source file"));
        Assert.Equal(
            Proofs().Select(p => $"{p.Path} {p.Method.DeclaringType!.FullName}.{p.Method.Name}"),
            root.GetProperty("proofs").EnumerateArray().Select(p => $"{Text(p, "path")} {Text(p, "className")}.{Text(p, "methodName")}"));
        Assert.NotEmpty(root.GetProperty("proofs").EnumerateArray());
        Assert.Equal(
            TopologyProofs().Select(m => $"{m.DeclaringType!.FullName}.{m.Name}"),
            root.GetProperty("topologyProofs").EnumerateArray().Select(p => $"{Text(p, "className")}.{Text(p, "methodName")}"));
        Assert.NotEmpty(root.GetProperty("topologyProofs").EnumerateArray());

        static string? Text(JsonElement element, string name) => element.GetProperty(name).GetString();
    }

    internal sealed record DeclaredPath(string Id, string Path, AuditedPathAttribute Attribute);

    internal static List<DeclaredPath> DeclaredPaths() =>
        typeof(AuditedPaths).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => new DeclaredPath(f.Name, (string)f.GetRawConstantValue()!,
                f.GetCustomAttribute<AuditedPathAttribute>() ?? throw new InvalidOperationException($"AuditedPaths.{f.Name} has no [AuditedPath].")))
            .ToList();

    private static IEnumerable<(string Path, MethodInfo Method)> Proofs() =>
        TestMethods().SelectMany(m => m.GetCustomAttributes<ProvesPathAttribute>().Select(a => (a.Path, m)))
            .OrderBy(p => p.m.DeclaringType!.FullName, StringComparer.Ordinal).ThenBy(p => p.m.Name, StringComparer.Ordinal);

    private static IEnumerable<MethodInfo> TopologyProofs() =>
        TestMethods().Where(m => m.GetCustomAttribute<ProvesTopologyAttribute>() is not null)
            .OrderBy(m => m.DeclaringType!.FullName, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal);

    private static IEnumerable<MethodInfo> TestMethods() =>
        typeof(AuditedPaths).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));

    private static string UiPrefix => AuditedPaths.AdminUi.Split('*')[0].TrimEnd('/');

    /// <summary>The source files (repository-relative) where a declared path lives; the UI's pages by folder.</summary>
    private static List<string> Sources(string path, List<(string Key, string File)> found) =>
        (path == AuditedPaths.AdminUi
            ? found.Where(f => f.Key.StartsWith("PAGE " + UiPrefix, StringComparison.Ordinal)).Select(f => Path.GetDirectoryName(f.File)!.Replace('\\', '/'))
            : found.Where(f => f.Key == path).Select(f => f.File))
        .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static List<(string Key, string File)> Scan() =>
        ServiceProjects.SelectMany(ScanProject)
            .Select(f => (f.Key, Path.GetRelativePath(EvidenceFiles.RepositoryRoot, f.File).Replace('\\', '/')))
            .ToList();

    /// <summary>"VERB /route" for each minimal-API route, "Consumer (Message)" for each MassTransit consumer, "PAGE /route" for each Razor page.</summary>
    private static IEnumerable<(string Key, string File)> ScanProject(string project)
    {
        foreach (var file in EvidenceFiles.SourceFiles(project, "*.cs"))
        {
            var source = File.ReadAllText(file);
            var groups = GroupPattern().Matches(source).ToDictionary(m => m.Groups["var"].Value, m => m.Groups["prefix"].Value, StringComparer.Ordinal);
            foreach (Match map in MapPattern().Matches(source))
            {
                var prefix = groups.GetValueOrDefault(map.Groups["var"].Value, "");
                yield return ($"{map.Groups["verb"].Value.ToUpperInvariant()} {NormalizeRoute(prefix + map.Groups["route"].Value)}", file);
            }

            foreach (Match consumer in ConsumerPattern().Matches(source))
            {
                yield return ($"{consumer.Groups["consumer"].Value} ({consumer.Groups["message"].Value})", file);
            }
        }

        foreach (var page in EvidenceFiles.SourceFiles(project, "*.cshtml"))
        {
            if (PagePattern().Match(File.ReadAllText(page)) is { Success: true } match)
            {
                yield return ("PAGE " + NormalizeRoute(match.Groups["route"].Value), page);
            }
        }
    }

    /// <summary>
    /// Every route registration (<c>.Map(</c>, <c>.MapGet(</c>, ... <c>.MapMethods(</c>, <c>.MapFallback(</c>) and every
    /// <c>IConsumer&lt;</c> of the project that <see cref="MapPattern"/> or <see cref="ConsumerPattern"/> does not read,
    /// as "file:line text".
    /// </summary>
    private static IEnumerable<string> UnreadRegistrations(string project)
    {
        foreach (var file in EvidenceFiles.SourceFiles(project, "*.cs"))
        {
            var source = File.ReadAllText(file);
            var read = MapPattern().Matches(source).Select(m => m.Groups["verb"].Index - ".Map".Length)
                .Concat(ConsumerPattern().Matches(source).Select(m => m.Groups["message"].Index - "IConsumer<".Length))
                .ToHashSet();
            foreach (Match registration in RegistrationPattern().Matches(source))
            {
                if (!read.Contains(registration.Index))
                {
                    var line = source[..registration.Index].Count(c => c == '\n') + 1;
                    yield return $"{Path.GetRelativePath(EvidenceFiles.RepositoryRoot, file).Replace('\\', '/')}:{line} {source.Split('\n')[line - 1].Trim()}";
                }
            }
        }
    }

    /// <summary>"/posts/" + "/{id:long}" → "/posts/{id}": constraints dropped, no trailing slash.</summary>
    internal static string NormalizeRoute(string route)
    {
        var normalized = ConstraintPattern().Replace(route.Replace("//", "/", StringComparison.Ordinal), "{${name}}");
        return normalized.Length > 1 ? normalized.TrimEnd('/') : normalized;
    }

    [GeneratedRegex("""var\s+(?<var>\w+)\s*=\s*\w+\.MapGroup\("(?<prefix>[^"]*)"\)""")]
    private static partial Regex GroupPattern();

    [GeneratedRegex("""(?<var>\w+)\.Map(?<verb>Get|Post|Put|Delete|Patch)\("(?<route>[^"]*)"[,)]""")]
    private static partial Regex MapPattern();

    [GeneratedRegex(@"\.Map(?:Get|Post|Put|Delete|Patch|Methods|Fallback)?\s*\(|IConsumer<")]
    private static partial Regex RegistrationPattern();

    [GeneratedRegex("""class\s+(?<consumer>\w+)\b[^{;]*?IConsumer<(?<message>\w+)>""")]
    private static partial Regex ConsumerPattern();

    [GeneratedRegex("""^@page\s+"(?<route>[^"]*)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex PagePattern();

    [GeneratedRegex("""\{(?<name>\w+)(:[^}]*)?\}""")]
    private static partial Regex ConstraintPattern();
}
