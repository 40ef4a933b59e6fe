using System.Text;
using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// Every relative link of README.md and docs/ reaches a file that exists and, when it names an #anchor of a Markdown
/// file, a heading of that file: moving a section or a page cannot leave a reader on a dead link. Fast: reads files only.
/// </summary>
public sealed partial class DocsLinkTests
{
    [Fact]
    public void Every_relative_link_and_anchor_in_the_docs_resolves()
    {
        var broken = new List<string>();
        foreach (var doc in Repository.MarkdownDocs())
        {
            foreach (var link in Links(Repository.Read(doc)))
            {
                var problem = Resolve(doc, link);
                if (problem is not null)
                {
                    broken.Add($"{doc}: ({link}) {problem}");
                }
            }
        }

        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void A_link_to_a_missing_anchor_is_caught()
    {
        Assert.Null(Resolve("docs/benchmarks.md", "#capture-cost-with-pgbench"));
        Assert.Null(Resolve("README.md", "docs/benchmarks.md#retention-purge"));
        Assert.Equal("has no heading #no-such-section", Resolve("README.md", "docs/benchmarks.md#no-such-section"));
        Assert.Equal("does not exist", Resolve("docs/capture.md", "no-such-page.md"));
    }

    [Theory]
    [InlineData("Retention purge: full run of 2026-11-27 13:10 UTC, after the batch bound", "retention-purge-full-run-of-2026-11-27-1310-utc-after-the-batch-bound")]
    [InlineData("Schema versions 11 and 12: ascending time indexes, the actor on change rows", "schema-versions-11-and-12-ascending-time-indexes-the-actor-on-change-rows")]
    [InlineData("`threadline verify completeness`: what it finds", "threadline-verify-completeness-what-it-finds")]
    [InlineData("Row state as of a time (p95 ≤ 3 ms)", "row-state-as-of-a-time-p95--3-ms")]
    public void Anchors_are_made_as_GitHub_makes_them(string heading, string anchor) =>
        Assert.Equal(anchor, Slug(heading));

    /// <summary>Null when the link resolves, otherwise what is wrong with it.</summary>
    private static string? Resolve(string fromDoc, string link)
    {
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? link : link[..hash]);
        var anchor = hash < 0 ? null : link[(hash + 1)..];
        var target = path.Length == 0 ? fromDoc : Normalise(Path.Combine(Path.GetDirectoryName(fromDoc) ?? "", path));
        if (!Repository.Exists(target))
        {
            return "does not exist";
        }

        if (anchor is null || !target.EndsWith(".md", StringComparison.Ordinal) || !File.Exists(Repository.PathOf(target)))
        {
            return null;
        }

        return Anchors(Repository.Read(target)).Contains(anchor) ? null : $"has no heading #{anchor}";
    }

    private static IEnumerable<string> Links(string text) =>
        LinkPattern().Matches(Markdown.WithoutCode(text)).Select(m => m.Groups["target"].Value)
            .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal));

    /// <summary>The anchors GitHub gives the headings of a Markdown file; a repeated heading gets -1, -2, ...</summary>
    private static HashSet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Markdown.WithoutCode(text).Split('\n'))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    /// <summary>GitHub's heading anchor: lower case, letters, digits, spaces (as hyphens), hyphens and underscores kept.</summary>
    private static string Slug(string heading)
    {
        var text = LinkText().Replace(heading.Trim(), "${text}");
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static string Normalise(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part is not ("." or ""))
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex LinkText();
}
