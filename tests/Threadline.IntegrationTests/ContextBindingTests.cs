using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Query;

namespace Threadline.IntegrationTests;

/// <summary>
/// A context is used only by the transaction that set it (schema migration context_bound_to_transaction): a context
/// left on the connection by an earlier transaction, or set without the bridges' stamp, never attributes a write; one
/// transaction has one actor. Each case on a strict and a lenient table, on one direct session (what a pooled server
/// connection is); the pooled proof under concurrency is in <see cref="PoolerLeakTests"/>.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ContextBindingTests(PlatformFixture platform)
{
    private const string Leaker = """{"actor":{"type":"admin","id":"leaker"}}""";
    private static readonly AuditContext First = new(ActorRef.User("first")) { RequestId = "req-1" };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_context_set_at_session_level_by_an_earlier_transaction_never_attributes_a_write(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        // Both ways a careless client leaves a context behind: a bare session-level set_config, and the bridges'
        // statement copied with is_local = false (its stamp then names the transaction that set it, not a later one).
        await db.ExecAsync($"SELECT set_config('threadline.context', '{Leaker}', false), " +
                           "set_config('threadline.context_tx', (extract(epoch FROM now()) * 1000000)::bigint::text, false)");
        try
        {
            await using var tx = await db.BeginTransactionAsync();
            if (strict)
            {
                var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx));
                Assert.Equal("TL001", error.SqlState);
                Assert.Contains("set by an earlier transaction", error.MessageText, StringComparison.Ordinal);
                Assert.Contains("CALL threadline.set_context", error.Hint, StringComparison.Ordinal);
                await tx.RollbackAsync();
                Assert.Empty(await EntriesAsync(table));
                return;
            }

            await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
            await tx.CommitAsync();
        }
        finally
        {
            await db.ExecAsync("RESET threadline.context; RESET threadline.context_tx");
        }

        var entry = Assert.Single(await EntriesAsync(table));
        Assert.Null(entry.ActorType);
        Assert.Null(entry.ActorId);
        Assert.Equal("stale", entry.ContextRefused);
        // The refused context is kept for the investigation: who left it behind.
        Assert.Contains("leaker", await RefusedContextAsync(db, entry.TransactionId), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_context_set_by_hand_without_the_stamp_is_not_used(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        await using var tx = await db.BeginTransactionAsync();
        // Transaction-local, yet indistinguishable inside PostgreSQL from a session-level leak: refused the same way.
        await db.ExecAsync($"SELECT set_config('threadline.context', '{Leaker}', true)", tx);
        if (strict)
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx));
            Assert.Equal("TL001", error.SqlState);
            Assert.Contains("has no transaction stamp", error.MessageText, StringComparison.Ordinal);
            await tx.RollbackAsync();
            Assert.Empty(await EntriesAsync(table));
            return;
        }

        await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
        await tx.CommitAsync();
        var entry = Assert.Single(await EntriesAsync(table));
        Assert.Null(entry.ActorId);
        Assert.Equal("unstamped", entry.ContextRefused);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_documented_hand_written_form_set_context_attributes(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        await using var tx = await db.BeginTransactionAsync();
        await db.ExecAsync("""CALL threadline.set_context('{"actor":{"type":"admin","id":"ops-1"}}')""", tx);
        await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
        await tx.CommitAsync();

        var entry = Assert.Single(await EntriesAsync(table));
        Assert.Equal(("admin", "ops-1", null), (entry.ActorType, entry.ActorId, entry.ContextRefused));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_context_switched_between_two_writes_of_one_transaction_is_refused(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        await using var tx = await db.BeginAuditedTransactionAsync(First);
        await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
        await tx.SetAuditContextAsync(new AuditContext(ActorRef.User("second")) { RequestId = "req-1" });

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (2)", tx));
        Assert.Equal("TL002", error.SqlState);
        Assert.Contains("from user first to user second", error.MessageText, StringComparison.Ordinal);
        await tx.RollbackAsync();
        Assert.Empty(await EntriesAsync(table));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_same_context_set_again_or_cleared_after_an_attributed_write_keeps_the_transaction_actor(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        await using (var tx = await db.BeginAuditedTransactionAsync(First))
        {
            await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
            await tx.SetAuditContextAsync(First);
            await db.ExecAsync($"INSERT INTO {table} VALUES (2)", tx);
            await db.ExecAsync("SELECT set_config('threadline.context', '', true)", tx);
            await db.ExecAsync($"INSERT INTO {table} VALUES (3)", tx);
            await tx.CommitAsync();
        }

        var entries = await EntriesAsync(table);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(("first", "req-1"), (e.ActorId, e.RequestId)));
        Assert.Single(entries.Select(e => e.TransactionId).Distinct());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_context_that_arrives_after_the_first_write_attributes_the_transaction_where_that_write_was_allowed(bool strict)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, strict);
        await using var tx = await db.BeginTransactionAsync();
        if (strict)
        {
            // On a strict table the first write has no actor, so it is refused before any context can arrive.
            var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx));
            Assert.Equal("42501", error.SqlState);
            await tx.RollbackAsync();
            Assert.Empty(await EntriesAsync(table));
            return;
        }

        await db.ExecAsync($"INSERT INTO {table} VALUES (1)", tx);
        await tx.SetAuditContextAsync(First);
        await db.ExecAsync($"INSERT INTO {table} VALUES (2)", tx);
        await tx.CommitAsync();

        // The transaction is the unit of attribution: both writes committed under the actor that owned the transaction.
        var entries = await EntriesAsync(table);
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(("first", null), (e.ActorId, e.ContextRefused)));
    }

    [Fact]
    public async Task Record_action_refuses_a_context_left_by_an_earlier_transaction()
    {
        await using var db = await platform.OpenDirectAsync();
        await db.ExecAsync($"SELECT set_config('threadline.context', '{Leaker}', false)");
        try
        {
            await using var tx = await db.BeginTransactionAsync();
            var error = await Assert.ThrowsAsync<PostgresException>(() => tx.RecordActionAsync("leaked.action"));
            Assert.Equal("TL001", error.SqlState);
            Assert.Contains("not set by this transaction", error.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await db.ExecAsync("RESET threadline.context");
        }
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, bool strict)
    {
        var name = await db.CreateTableAsync(strict ? "bound_strict" : "bound_lenient", "(id integer PRIMARY KEY)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(name) { RequireActor = strict });
        return "public." + name;
    }

    private async Task<IReadOnlyList<AuditEntry>> EntriesAsync(string table)
    {
        await using var dataSource = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var page = await new AuditReader(dataSource).QueryAsync(
            new AuditFilter { Schema = "public", Table = table.Split('.')[1] }, order: AuditOrder.OldestFirst);
        return page.Items;
    }

    private static Task<string> RefusedContextAsync(NpgsqlConnection db, long transactionId) =>
        AuditRows.ScalarAsync<string>(db, "SELECT refused_context ->> 'context' FROM threadline.transactions WHERE id = $1", transactionId);
}
