using System.Text.RegularExpressions;

namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// Every fenced block of README.md and docs/*.md is in a language some docs test checks, or is declared not to be
/// code (```text, ```json), so a block a person would copy cannot slip past the checks by its fence: JSON parses, C# compiles
/// (<see cref="CSharpBlockTests"/>), SQL runs (DocsSqlBlockTests, integration), shell blocks' threadline commands parse
/// (<see cref="CliDocsTests"/>). And every <c>&lt;!-- docs-test: ... --&gt;</c> comment means something.
/// </summary>
public sealed partial class DocsCoverageTests
{
    private static readonly HashSet<string> Checked = ["csharp", "cs", "c#", "sql", "bash", "sh", "shell", "console"];
    private static readonly HashSet<string> NotCode = ["text", "json"];

    [Fact]
    public void Every_block_is_in_a_checked_language_or_declared_not_code()
    {
        var blocks = AllBlocks();

        Assert.NotEmpty(blocks);
        var unknown = blocks.Where(b => !Checked.Contains(b.Language) && !NotCode.Contains(b.Language))
            .Select(b => $"{b.File}:{b.Line}: ```{b.Language} is neither checked ({string.Join(", ", Checked)}) nor declared not code ({string.Join(", ", NotCode)})")
            .ToList();
        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
    }

    [Fact]
    public void Every_json_block_is_json()
    {
        var json = AllBlocks().Where(b => b.Language == "json").ToList();

        Assert.NotEmpty(json);
        var broken = new List<string>();
        foreach (var block in json)
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(block.Content);
            }
            catch (System.Text.Json.JsonException e)
            {
                broken.Add($"{block.File}:{block.Line}: {e.Message}");
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Every_docs_test_comment_is_understood()
    {
        var annotated = AllBlocks().Where(b => b.Annotation.Length > 0).ToList();

        Assert.NotEmpty(annotated);
        var misunderstood = annotated.Where(b => !Understood(b)).Select(b => $"{b.File}:{b.Line}: <!-- docs-test: {b.Annotation} --> above ```{b.Language}").ToList();
        Assert.True(misunderstood.Count == 0, string.Join('\n', misunderstood));
    }

    [Fact]
    public void The_readme_states_the_block_counts_the_docs_have()
    {
        var blocks = AllBlocks();
        var stated = StatedCounts().Match(Repository.Read("README.md"));

        Assert.True(stated.Success, "README.md should say how many C# and SQL blocks of the docs are tested: \"all N C# blocks ... all M SQL blocks\"");
        Assert.Equal(blocks.Count(CSharpBlockCompiler.IsCSharp), int.Parse(stated.Groups["csharp"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(blocks.Count(b => b.Language == "sql"), int.Parse(stated.Groups["sql"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_comment_that_does_not_fit_its_block_is_caught()
    {
        Assert.True(Understood(new CodeBlock("d.md", 1, "csharp", "", "csharp migration")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "csharp", "", "csharp migrations")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "sql", "", "csharp migration")));
        Assert.True(Understood(new CodeBlock("d.md", 1, "sql", "", "sql given CREATE ROLE r")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "sql", "", "sql gven CREATE ROLE r")));
        Assert.True(Understood(new CodeBlock("d.md", 1, "sql", "", "sql as threadline_auditor rows given SELECT 1")));
        Assert.True(Understood(new CodeBlock("d.md", 1, "sql", "", "sql as threadline_auditor")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "sql", "", "sql as")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "sql", "", "sql rows as threadline_auditor")));
        Assert.False(Understood(new CodeBlock("d.md", 1, "sql", "", "sql")));
    }

    private static bool Understood(CodeBlock block)
    {
        var csharp = CSharpKind().Match(block.Annotation);
        return csharp.Success
            ? CSharpBlockCompiler.IsCSharp(block) && CSharpBlockContext.Kinds.Contains(csharp.Groups["kind"].Value)
            : block.Language == "sql" && SqlBlock.IsAnnotation(block.Annotation);
    }

    private static List<CodeBlock> AllBlocks() => Repository.MarkdownDocs().SelectMany(f => Markdown.CodeBlocks(f, Repository.Read(f))).ToList();

    [GeneratedRegex(@"^csharp\s+(?<kind>[\w-]+)$")]
    private static partial Regex CSharpKind();

    [GeneratedRegex(@"all (?<csharp>\d+) C# blocks .*? all (?<sql>\d+) SQL blocks")]
    private static partial Regex StatedCounts();
}
