using System.Text.RegularExpressions;
using Threadline.Npgsql;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// docs/telemetry.md says it lists every span and instrument of the library: its tables name exactly the spans the
/// library's code starts and the instruments <c>ThreadlineTelemetry</c> creates, so a new span or a rename cannot go
/// undocumented. Fast: reads files only.
/// </summary>
public sealed partial class TelemetryDocsTests
{
    private const string Doc = "docs/telemetry.md";

    [Fact]
    public void The_span_table_lists_exactly_the_spans_the_library_starts()
    {
        var inCode = LibrarySources()
            .SelectMany(f => StartActivity().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))
            .Append(AuditSpan.Name)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("threadline.purge", inCode);
        Assert.Equal(inCode.Order(StringComparer.Ordinal), TableNames(Section("Spans")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_metrics_table_lists_exactly_the_instruments_of_ThreadlineTelemetry()
    {
        var inCode = CreateInstrument().Matches(Repository.Read("src/Threadline/ThreadlineTelemetry.cs"))
            .Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("threadline.verification.runs", inCode);
        Assert.Equal(inCode.Order(StringComparer.Ordinal), TableNames(Section("Metrics")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_verification_kind_the_code_records_is_in_the_metrics_table()
    {
        var kinds = LibrarySources()
            .SelectMany(f => VerificationKind().Matches(File.ReadAllText(f)).Select(m => m.Groups["kind"].Value))
            .Distinct(StringComparer.Ordinal).ToList();
        var row = Section("Metrics").Split('\n').Single(l => l.StartsWith("| `threadline.verification.runs`", StringComparison.Ordinal));

        Assert.Equal(["completeness", "coverage", "integrity", "topology"], kinds.Order(StringComparer.Ordinal));
        Assert.All(kinds, k => Assert.Contains($"`{k}`", row, StringComparison.Ordinal));
    }

    /// <summary>The library projects' sources: src/Threadline and its bridges, not the sample platform.</summary>
    private static IEnumerable<string> LibrarySources() =>
        Directory.EnumerateDirectories(Repository.PathOf("src"), "Threadline*")
            .Where(d => !Path.GetFileName(d).StartsWith("Threadline.Platform.", StringComparison.Ordinal))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Section(string heading)
    {
        var text = Repository.Read(Doc).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = text.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{Doc} has no section '## {heading}'");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    /// <summary>The names in the first column of the section's tables: rows that start with a code span.</summary>
    private static IEnumerable<string> TableNames(string section) =>
        FirstColumn().Matches(section).Select(m => m.Groups["name"].Value).Where(n => n.StartsWith("threadline.", StringComparison.Ordinal));

    [GeneratedRegex(@"StartActivity\(""(?<name>[^""]+)""")]
    private static partial Regex StartActivity();

    [GeneratedRegex(@"Meter\.Create\w+<\w+>\(""(?<name>[^""]+)""")]
    private static partial Regex CreateInstrument();

    [GeneratedRegex(@"Verifications\.Add\(1, new\(""kind"", ""(?<kind>[^""]+)""\)")]
    private static partial Regex VerificationKind();

    [GeneratedRegex(@"^\| `(?<name>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex FirstColumn();
}
