using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>
/// One transaction, one transaction row, whatever happens to the transaction-local hint that says the row exists
/// (threadline.captured, schema version 6): a hint reset by hand or by RESET ALL sends the next write to the insert
/// again, which finds the row (ON CONFLICT) instead of failing or writing a second one; a first write rolled back to a
/// savepoint takes its row and its hint with it.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class TransactionRowTests(DatabaseFixture database)
{
    private static readonly AuditContext Context = new(ActorRef.User("tx-row")) { RequestId = "req-tx-row" };

    [Theory]
    [InlineData("SELECT set_config('threadline.captured', '', true)")]
    [InlineData("RESET ALL")]
    public async Task A_lost_hint_between_two_writes_still_gives_one_transaction_row(string loseHint)
    {
        await using var db = await database.OpenDirectAsync();
        var (first, second) = (await CreateCapturedTableAsync(db), await CreateCapturedTableAsync(db));

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await db.ExecAsync($"INSERT INTO {first} VALUES (1)", tx);
            await db.ExecAsync(loseHint, tx);
            // RESET ALL clears the context too: the bridges set it again, as an application would.
            await tx.SetAuditContextAsync(Context);
            await db.ExecAsync($"INSERT INTO {second} VALUES (2)", tx);
            await db.ExecAsync($"UPDATE {first} SET id = 3", tx);
            await tx.CommitAsync();
        }

        await AssertOneAttributedTransactionAsync(db, [first, second], expectedChanges: 3);
    }

    [Fact]
    public async Task A_first_write_rolled_back_to_a_savepoint_leaves_no_row_and_the_next_write_creates_one()
    {
        await using var db = await database.OpenDirectAsync();
        var table = await CreateCapturedTableAsync(db);

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await tx.SaveAsync("first");
            await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
            await tx.RollbackAsync("first");
            await db.ExecAsync($"INSERT INTO {table} VALUES (2)", tx);
            await tx.CommitAsync();
        }

        await AssertOneAttributedTransactionAsync(db, [table], expectedChanges: 1);
    }

    private static async Task<string> CreateCapturedTableAsync(NpgsqlConnection db)
    {
        var name = await db.CreateTableAsync("txrow", "(id integer PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(name));
        return "public." + name;
    }

    // Every change of the tables belongs to one transaction row, which exists once and carries the context.
    private static async Task AssertOneAttributedTransactionAsync(NpgsqlConnection db, string[] tables, long expectedChanges)
    {
        var names = tables.Select(t => t.Split('.')[1]).ToArray();
        await using var command = new NpgsqlCommand(
            """
            WITH mine AS (SELECT c.transaction_id, c.actor_id AS copied_actor, t.txid, t.actor_id, t.request_id
                            FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id
                           WHERE c.table_schema = 'public' AND c.table_name = ANY ($1))
            SELECT count(*), count(DISTINCT transaction_id), min(actor_id), min(request_id), min(copied_actor),
                   (SELECT count(*) FROM threadline.transactions t WHERE t.txid IN (SELECT txid FROM mine))
              FROM mine
            """, db);
        command.Parameters.Add(new NpgsqlParameter { Value = names });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(
            (expectedChanges, 1L, "tx-row", "req-tx-row", "tx-row", 1L),
            (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5)));
    }
}
