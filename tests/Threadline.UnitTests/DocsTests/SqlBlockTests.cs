namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// The ```sql blocks of the docs can be run as <see cref="SqlBlock"/> says (Threadline.IntegrationTests'
/// DocsSqlBlockTests runs them on the platform): no psql command but \copy, no placeholder without a sample value.
/// Fast, reads files only; the blocks are found in the files, so a new block is checked with no change here.
/// </summary>
public sealed class SqlBlockTests
{
    [Fact]
    public void Every_sql_block_of_the_docs_is_runnable_by_the_docs_tests()
    {
        var blocks = Repository.MarkdownDocs().SelectMany(f => Markdown.CodeBlocks(f, Repository.Read(f))).Where(b => b.Language == "sql").ToList();

        Assert.Contains(blocks, b => b.File == "docs/incident-playbook.md");
        var problems = new List<string>();
        foreach (var block in blocks)
        {
            try
            {
                var steps = SqlBlock.Given(block).Concat(SqlBlock.Steps(block.Content)).ToList();
                problems.AddRange(steps.Count == 0 ? [$"{block.File}:{block.Line}: no statement"] : []);
                problems.AddRange(steps.SelectMany(s => s.Placeholders).Where(p => !SqlBlock.SampleValues.ContainsKey(p))
                    .Select(p => $"{block.File}:{block.Line}: placeholder {p} has no sample value in SqlBlock.SampleValues"));
            }
            catch (FormatException e)
            {
                problems.Add($"{block.File}:{block.Line}: {e.Message}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Transaction_control_is_left_to_the_test_and_semicolons_in_literals_do_not_split()
    {
        var steps = SqlBlock.Steps("BEGIN;\nCALL threadline.set_context('{\"a\":\";\"}');\nUPDATE posts SET title = 'x;y' WHERE id = 1;  -- no; split\nCOMMIT;");

        Assert.Equal(["CALL threadline.set_context('{\"a\":\";\"}')", "UPDATE posts SET title = 'x;y' WHERE id = 1"], steps.Select(s => s.Sql));
    }

    [Fact]
    public void Placeholders_are_found_but_not_in_operators_literals_or_comments()
    {
        var step = SqlBlock.Steps("SELECT set_config('x', $1, true) WHERE data @> '{\"id\": 1}' AND id = @id AND note = '@p' -- @q").Single();

        Assert.Equal(["$1", "@id"], step.Placeholders);
    }

    [Fact]
    public void A_psql_copy_runs_as_copy_to_stdout_and_other_psql_commands_are_refused()
    {
        var step = SqlBlock.Steps("\\copy (SELECT 1 FROM threadline.changes c) TO 'out.csv' WITH (FORMAT csv, HEADER)").Single();

        Assert.True(step.CopyOut);
        Assert.Equal("COPY (SELECT 1 FROM threadline.changes c) TO STDOUT WITH (FORMAT csv, HEADER)", step.Sql);
        Assert.Throws<FormatException>(() => SqlBlock.Steps("\\set post_id 1\nSELECT 1;"));
    }

    [Fact]
    public void A_given_annotation_runs_first()
    {
        var block = new CodeBlock("doc.md", 1, "sql", "GRANT threadline_writer TO my_app;", "sql given CREATE ROLE my_app; CREATE ROLE my_auditor");

        Assert.Equal(["CREATE ROLE my_app", "CREATE ROLE my_auditor"], SqlBlock.Given(block).Select(s => s.Sql));
        Assert.Empty(SqlBlock.Given(block with { Annotation = "" }));
    }
}
