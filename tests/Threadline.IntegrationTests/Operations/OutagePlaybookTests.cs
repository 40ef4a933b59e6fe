using System.Text.RegularExpressions;
using Npgsql;
using Threadline.IntegrationTests.Evidence;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Operations;

/// <summary>
/// The incident playbook's "After an outage" queries, run verbatim from the document against the platform, so the
/// document cannot drift from the schema, and the first one shown to find what it exists to find.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed partial class OutagePlaybookTests(DatabaseFixture platform)
{
    private const string Section = "## 7. After an outage";

    [Fact]
    public async Task The_after_an_outage_queries_run_and_find_a_row_written_without_its_audit_row()
    {
        var queries = OutageQueries();
        Assert.Equal(4, queries.Count);
        await using var db = await platform.OpenDirectAsync();
        foreach (var query in queries)
        {
            await FirstColumnAsync(db, query);
        }

        // Only a superuser can write past the capture triggers (session_replication_role = replica); such a row is
        // exactly what the first query must list.
        var id = await BypassingCaptureAsync(db, "INSERT INTO public.posts (title) VALUES ('written past capture') RETURNING id");
        try
        {
            Assert.Contains(id, await FirstColumnAsync(db, queries[0]));
        }
        finally
        {
            await BypassingCaptureAsync(db, $"DELETE FROM public.posts WHERE id = {id} RETURNING id");
        }
    }

    private static List<string> OutageQueries()
    {
        var playbook = File.ReadAllText(Path.Combine(EvidenceFiles.RepositoryRoot, "docs", "incident-playbook.md"));
        var start = playbook.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/incident-playbook.md has no '{Section}' section");
        var end = playbook.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var section = playbook[start..(end < 0 ? playbook.Length : end)];
        return SqlBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    private static async Task<List<long>> FirstColumnAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<long>();
        while (await reader.ReadAsync())
        {
            if (reader.GetValue(0) is long value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static async Task<long> BypassingCaptureAsync(NpgsqlConnection db, string sql)
    {
        await using var transaction = await db.BeginTransactionAsync();
        await using (var replica = new NpgsqlCommand("SET LOCAL session_replication_role = replica", db, transaction))
        {
            await replica.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, db, transaction);
        var id = (long)(await command.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return id;
    }

    [GeneratedRegex("```sql\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
