// A documentation snippet that compiles: tests/Threadline.UnitTests builds this file, and
// tests/Threadline.UnitTests/DocsTests/SnippetTests.cs fails unless a C# block in README.md or docs/*.md quotes the
// region between the snippet markers verbatim (its using lines may be a subset of the ones below).
// Quoted by docs/getting-started.md, "Raw Npgsql". Change the API, and this stops compiling; change the doc, and the
// test names the block that drifted.
using Npgsql;
using Threadline;
using Threadline.Npgsql;

namespace Threadline.Docs.Snippets;

internal static class RawNpgsqlSnippet
{
    public static async Task UpdateOrderAsync(NpgsqlDataSource dataSource, string correlationId)
    {
        // snippet-start: raw-npgsql
        var audit = new AuditContext(ActorRef.User("42"))
        {
            CorrelationId = correlationId,
            Source = "import",
        };

        await using var connection = await dataSource.OpenConnectionAsync();
        // BEGIN and set_config('threadline.context', $1, true) with its transaction stamp, in one round trip.
        await using var tx = await connection.BeginAuditedTransactionAsync(audit);
        await using (var update = new NpgsqlCommand("UPDATE orders SET status = $1 WHERE id = $2", connection, tx))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = "shipped" });
            update.Parameters.Add(new NpgsqlParameter { Value = 1001L });
            await update.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        // snippet-end
    }
}
