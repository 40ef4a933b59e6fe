using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>
/// One transaction, one head (schema version 13: the first change carries the transaction), whatever happens to the
/// transaction-local hint that names the head (threadline.captured): a hint reset by hand or by RESET ALL makes the next
/// write fail on the one-head index (changes_one_head_per_transaction) instead of starting a second head; a first write
/// rolled back to a savepoint takes its head and its hint with it.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class TransactionRowTests(DatabaseFixture database)
{
    private static readonly AuditContext Context = new(ActorRef.User("tx-row")) { RequestId = "req-tx-row" };

    [Theory]
    [InlineData("SELECT set_config('threadline.captured', '', true)")]
    [InlineData("RESET ALL")]
    public async Task A_lost_hint_between_two_writes_fails_the_next_write_on_the_one_head_index(string loseHint)
    {
        await using var db = await database.OpenDirectAsync();
        var (first, second) = (await CreateCapturedTableAsync(db), await CreateCapturedTableAsync(db));

        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await db.ExecAsync($"INSERT INTO {first} VALUES (1)", tx);
            await db.ExecAsync(loseHint, tx);
            // RESET ALL clears the context too: the bridges set it again, as an application would.
            await tx.SetAuditContextAsync(Context);
            var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {second} VALUES (2)", tx));
            Assert.Equal((PostgresErrorCodes.UniqueViolation, "changes_one_head_per_transaction"), (error.SqlState, error.ConstraintName));
            await tx.RollbackAsync();
        }

        // The transaction is undone whole: no second head, and no write without its audit row.
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id WHERE tb.table_name = ANY ($1)",
            (object)new[] { first.Split('.')[1], second.Split('.')[1] }));

        // The same transaction with its hint kept: one head for all its changes.
        await using (var tx = await db.BeginAuditedTransactionAsync(Context))
        {
            await db.ExecAsync($"INSERT INTO {first} VALUES (1)", tx);
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

    // Every change of the tables belongs to one head, which exists once for the database transaction and carries the context.
    private static async Task AssertOneAttributedTransactionAsync(NpgsqlConnection db, string[] tables, long expectedChanges)
    {
        var names = tables.Select(t => t.Split('.')[1]).ToArray();
        await using var command = new NpgsqlCommand(
            """
            WITH mine AS (SELECT c.tx_id, t.txid, t.actor_id, t.request_id, c.actor_id AS own_actor, c.id = c.tx_id AS head
                            FROM threadline.changes c JOIN threadline.changes t ON t.id = c.tx_id
                            JOIN threadline.tables tb ON tb.table_id = c.table_id
                           WHERE tb.table_schema = 'public' AND tb.table_name = ANY ($1))
            SELECT count(*), count(DISTINCT tx_id), min(actor_id), min(request_id), count(own_actor) FILTER (WHERE NOT head),
                   (SELECT count(*) FROM threadline.changes h WHERE h.id = h.tx_id AND h.txid IN (SELECT txid FROM mine))
              FROM mine
            """, db);
        command.Parameters.Add(new NpgsqlParameter { Value = names });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(
            (expectedChanges, 1L, "tx-row", "req-tx-row", 0L, 1L),
            (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5)));
    }
}
