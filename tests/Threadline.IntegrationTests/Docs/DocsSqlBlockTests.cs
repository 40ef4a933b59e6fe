using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.UnitTests.DocsTests;

namespace Threadline.IntegrationTests.Docs;

/// <summary>
/// Every ```sql block of README.md and docs/*.md runs against the platform's database (the audit schema and the
/// platform's tables), through the direct connection inside a transaction that is rolled back, so a query that
/// drifted from the schema fails here and not during an incident. Blocks are found in the files: a new block runs
/// with no change here. How a block is run (placeholders, psql's \copy, BEGIN/COMMIT) is <see cref="SqlBlock"/>.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DocsSqlBlockTests(PlatformFixture platform)
{
    public static TheoryData<string, int> SqlBlocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var block in AllBlocks())
        {
            data.Add(block.File, block.Line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SqlBlocks))]
    public async Task A_sql_block_runs_against_the_platform_schema(string file, int line)
    {
        var block = AllBlocks().Single(b => b.File == file && b.Line == line);
        await using var db = await platform.OpenDirectAsync();

        var failure = await SqlBlockRunner.FailureAsync(db, block);

        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task A_query_that_drifted_from_the_schema_fails_and_a_block_leaves_nothing_behind()
    {
        var playbook = AllBlocks().First(b => b.File == "docs/incident-playbook.md" && b.Content.Contains("c.captured_at", StringComparison.Ordinal));
        var drifted = playbook with { Content = playbook.Content.Replace("c.captured_at", "c.captured_time", StringComparison.Ordinal) };
        var role = "docs_test_" + Guid.NewGuid().ToString("N")[..8];
        var creates = new CodeBlock("doc.md", 1, "sql", $"CREATE ROLE {role};");
        await using var db = await platform.OpenDirectAsync();

        Assert.Null(await SqlBlockRunner.FailureAsync(db, playbook));
        Assert.StartsWith($"{playbook.File}:{playbook.Line}: 42703 column c.captured_time does not exist", await SqlBlockRunner.FailureAsync(db, drifted));
        Assert.Null(await SqlBlockRunner.FailureAsync(db, creates));
        await using var exists = new NpgsqlCommand($"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'", db);
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
    }

    private static List<CodeBlock> AllBlocks() =>
        Repository.MarkdownDocs().SelectMany(f => Markdown.CodeBlocks(f, Repository.Read(f))).Where(b => b.Language == "sql").ToList();
}
