namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// Every ```csharp block of README.md and docs/*.md compiles against the real library assemblies, in the context
/// <see cref="CSharpBlockContext"/> declares. Text that is not C# (output, pseudo-code) belongs in a ```text block,
/// so the rule has no exceptions. The blocks are read from the files: a new block is compiled with no change here.
/// </summary>
public sealed class CSharpBlockTests
{
    public static TheoryData<string, int> CSharpBlocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var block in AllBlocks())
        {
            data.Add(block.File, block.Line);
        }

        return data;
    }

    [Fact]
    public void The_docs_show_csharp_at_all()
    {
        Assert.NotEmpty(AllBlocks());
    }

    [Theory]
    [MemberData(nameof(CSharpBlocks))]
    public void A_csharp_block_compiles(string file, int line)
    {
        var block = AllBlocks().Single(b => b.File == file && b.Line == line);

        var errors = CSharpBlockCompiler.Errors(block);

        Assert.True(errors.Count == 0, $"{file}, the C# block at line {line} does not compile:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void A_block_that_drifted_from_the_api_is_caught_at_its_line_in_the_doc()
    {
        var fine = new CodeBlock("docs/x.md", 10, "csharp", "using Threadline.Capture;\n\nawait new CaptureManager().SetRequireActorEverywhereAsync(direct, true);");
        var renamed = fine with { Content = fine.Content.Replace("SetRequireActorEverywhereAsync", "RequireActorEverywhereAsync", StringComparison.Ordinal) };
        var undeclared = fine with { Content = "await new CaptureManager().SetRequireActorEverywhereAsync(connection, true);" };

        Assert.Empty(CSharpBlockCompiler.Errors(fine));
        Assert.Contains(CSharpBlockCompiler.Errors(renamed), e => e.StartsWith("docs/x.md:12: CS1061", StringComparison.Ordinal));
        Assert.Contains(CSharpBlockCompiler.Errors(undeclared), e => e.StartsWith("docs/x.md:10: CS0103", StringComparison.Ordinal));
    }

    [Fact]
    public void A_block_of_members_compiles_only_in_the_context_it_asks_for()
    {
        var members = new CodeBlock("docs/x.md", 1, "csharp", "protected override void Up(MigrationBuilder migrationBuilder) { }", "csharp migration");

        Assert.Empty(CSharpBlockCompiler.Errors(members));
        Assert.NotEmpty(CSharpBlockCompiler.Errors(members with { Annotation = "" }));
        Assert.Throws<ArgumentException>(() => CSharpBlockCompiler.Errors(members with { Annotation = "csharp nowhere" }));
    }

    private static List<CodeBlock> AllBlocks() =>
        Repository.MarkdownDocs().SelectMany(f => Markdown.CodeBlocks(f, Repository.Read(f))).Where(CSharpBlockCompiler.IsCSharp).ToList();
}
