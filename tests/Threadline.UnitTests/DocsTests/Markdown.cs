using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// A fenced code block: where it is, its info string's language, its text without the fence's indentation, and the
/// text of a <c>&lt;!-- docs-test: ... --&gt;</c> comment on the line just above the fence, which tells the docs tests
/// how to run it (empty when there is none).
/// </summary>
internal sealed record CodeBlock(string File, int Line, string Language, string Content, string Annotation = "")
{
    public IEnumerable<string> Lines => Content.Split('\n');
}

/// <summary>Just enough Markdown for the docs tests: fenced code blocks, links and inline code spans.</summary>
internal static partial class Markdown
{
    public static List<CodeBlock> CodeBlocks(string file, string text)
    {
        var blocks = new List<CodeBlock>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value.Length;
            var body = new List<string>();
            var start = i + 1;
            for (i++; i < lines.Length && !(lines[i].TrimStart().StartsWith(open.Groups["fence"].Value, StringComparison.Ordinal) && lines[i].Trim().Trim('`', '~').Length == 0); i++)
            {
                var line = lines[i];
                var strip = Math.Min(indent, line.Length - line.TrimStart(' ').Length);
                body.Add(line[strip..]);
            }

            var annotation = start >= 2 ? Annotation().Match(lines[start - 2]) : Match.Empty;
            blocks.Add(new CodeBlock(file, start, open.Groups["lang"].Value.ToLowerInvariant(), string.Join('\n', body),
                annotation.Success ? annotation.Groups["text"].Value.Trim() : ""));
        }

        return blocks;
    }

    /// <summary>Relative link targets (no scheme, no pure anchors), without their #anchor.</summary>
    public static IEnumerable<string> RelativeLinks(string text) =>
        Link().Matches(WithoutCode(text)).Select(m => m.Groups["target"].Value)
            .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith('#') && !t.StartsWith("mailto:", StringComparison.Ordinal))
            .Select(t => t.Split('#')[0]);

    /// <summary>The text outside fenced code blocks.</summary>
    public static string WithoutCode(string text)
    {
        var kept = new List<string>();
        string? fence = null;
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var open = Fence().Match(line);
            if (fence is null && open.Success)
            {
                fence = open.Groups["fence"].Value;
            }
            else if (fence is not null && line.TrimStart().StartsWith(fence, StringComparison.Ordinal) && line.Trim().Trim('`', '~').Length == 0)
            {
                fence = null;
            }
            else if (fence is null)
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept);
    }

    [GeneratedRegex(@"^(?<indent> *)(?<fence>```+|~~~+)\s*(?<lang>[\w+#-]*)")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*docs-test:(?<text>.*?)-->\s*$")]
    private static partial Regex Annotation();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();
}
