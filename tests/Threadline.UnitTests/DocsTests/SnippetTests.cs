using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// The C# the docs show is code that compiles: each region between <c>// snippet-start: name</c> and
/// <c>// snippet-end</c> in docs/snippets/*.cs (compiled into this test project) must be quoted verbatim by a C# block
/// of README.md or docs/*.md. The quoting block may open with using lines, each of which the snippet file has.
/// </summary>
public sealed partial class SnippetTests
{
    [Fact]
    public void Every_snippet_region_is_quoted_verbatim_by_a_doc()
    {
        var snippets = Snippets().ToList();
        var blocks = Repository.MarkdownDocs().SelectMany(f => Markdown.CodeBlocks(f, Repository.Read(f))).Where(IsCSharp).ToList();

        Assert.NotEmpty(snippets);
        var unquoted = snippets.Where(s => !blocks.Any(b => Quotes(b, s))).ToList();
        Assert.True(unquoted.Count == 0, string.Join("\n\n", unquoted.Select(s => Explain(s, blocks))));
    }

    [Fact]
    public void The_snippet_is_real_code_of_this_test_assembly()
    {
        var type = typeof(SnippetTests).Assembly.GetType("Threadline.Docs.Snippets.RawNpgsqlSnippet");

        Assert.NotNull(type);
        Assert.Contains(Snippets(), s => s.Name == "raw-npgsql");
    }

    [Fact]
    public void A_doc_block_that_drifted_from_the_snippet_is_not_a_quote()
    {
        var snippet = Snippets().Single(s => s.Name == "raw-npgsql");
        var quoted = new CodeBlock("doc.md", 1, "csharp", "using Threadline;\nusing Threadline.Npgsql;\n\n" + snippet.Body);
        var renamed = quoted with { Content = quoted.Content.Replace("BeginAuditedTransactionAsync", "BeginAuditTransactionAsync", StringComparison.Ordinal) };
        var foreignUsing = quoted with { Content = "using Threadline.Legacy;\n" + quoted.Content };
        var truncated = quoted with { Content = quoted.Content[..quoted.Content.LastIndexOf("await tx.CommitAsync();", StringComparison.Ordinal)] };

        Assert.True(Quotes(quoted, snippet));
        Assert.False(Quotes(renamed, snippet));
        Assert.False(Quotes(foreignUsing, snippet));
        Assert.False(Quotes(truncated, snippet));
    }

    internal sealed record Snippet(string File, string Name, string Body, IReadOnlySet<string> Usings);

    /// <summary>The regions of docs/snippets/*.cs, dedented, with the file's using directives.</summary>
    internal static IEnumerable<Snippet> Snippets()
    {
        foreach (var file in Directory.EnumerateFiles(Repository.PathOf("docs/snippets"), "*.cs").Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            var usings = lines.Where(l => UsingLine().IsMatch(l)).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                var start = SnippetStart().Match(lines[i]);
                if (!start.Success)
                {
                    continue;
                }

                var body = lines.Skip(i + 1).TakeWhile(l => l.Trim() != "// snippet-end").ToList();
                var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart(' ').Length);
                yield return new Snippet(Path.GetFileName(file), start.Groups["name"].Value, string.Join('\n', body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())).TrimEnd(), usings);
            }
        }
    }

    /// <summary>The block is the snippet's region, after leading using lines (all known to the snippet file) and blank lines.</summary>
    internal static bool Quotes(CodeBlock block, Snippet snippet)
    {
        var lines = block.Lines.ToList();
        var head = lines.TakeWhile(l => l.Trim().Length == 0 || UsingLine().IsMatch(l)).ToList();
        if (head.Where(l => l.Trim().Length > 0).Any(u => !snippet.Usings.Contains(u.Trim())))
        {
            return false;
        }

        return string.Join('\n', lines.Skip(head.Count).Select(l => l.TrimEnd())).TrimEnd() == string.Join('\n', snippet.Body.Split('\n').Select(l => l.TrimEnd()));
    }

    private static bool IsCSharp(CodeBlock block) => block.Language is "csharp" or "cs" or "c#";

    private static string Explain(Snippet snippet, List<CodeBlock> blocks)
    {
        var wanted = snippet.Body.Split('\n');
        var closest = blocks.OrderByDescending(b => b.Lines.Intersect(wanted, StringComparer.Ordinal).Count()).FirstOrDefault();
        if (closest is null)
        {
            return $"docs/snippets/{snippet.File} ({snippet.Name}): no C# block in the docs.";
        }

        var body = closest.Lines.SkipWhile(l => l.Trim().Length == 0 || UsingLine().IsMatch(l)).ToList();
        var index = Enumerable.Range(0, Math.Max(body.Count, wanted.Length))
            .FirstOrDefault(i => i >= body.Count || i >= wanted.Length || body[i].TrimEnd() != wanted[i].TrimEnd());
        return $"docs/snippets/{snippet.File} ({snippet.Name}) is not quoted verbatim. Closest: {closest.File} line {closest.Line}; " +
            $"first difference at snippet line {index + 1}:\n  snippet: {(index < wanted.Length ? wanted[index] : "(end)")}\n  doc:     {(index < body.Count ? body[index] : "(end)")}";
    }

    [GeneratedRegex(@"^\s*using\s+[\w.]+\s*;\s*$")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^\s*// snippet-start: (?<name>[\w-]+)\s*$")]
    private static partial Regex SnippetStart();
}
