using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Operations.Integrity;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Seals cover exactly what became visible (commit order, not id order), and a clean trail verifies.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SealTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_seal_covers_what_became_visible_so_a_long_transaction_goes_into_the_next_seal()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_order");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 2);
        await using var slow = await database.OpenAsync();
        var sealer = new AuditSealer();

        // The slow transaction writes first (lower ids) and commits after a faster one and after the first seal.
        await using var slowTx = await slow.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("slow")));
        await slow.ExecAsync("INSERT INTO public.orders VALUES (100, 'slow')", slowTx);
        var slowId = await AuditRows.ScalarAsync<long>(slow, "SELECT max(id) FROM threadline.transactions");
        await SealScenario.WriteAsync(db, 10, 1);
        var first = await sealer.SealAsync(db);
        await slowTx.CommitAsync();
        var second = await sealer.SealAsync(db);
        var nothingNew = await sealer.SealAsync(db, skipIfNothingNew: true);
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal((3L, 9L), (first.Transactions, first.Changes));
        Assert.Equal((1L, 1L), (second.Transactions, second.Changes));
        Assert.Equal(first.Id, second.PreviousId);
        Assert.Null(nothingNew);
        Assert.True(slowId < await SealScenario.ScalarAsync(db, "SELECT max(id) FROM threadline.transactions"), "the slow transaction's row has the lower id");
        Assert.Equal(1L, await SealScenario.ScalarAsync(db,
            $"SELECT count(*) FROM threadline.seal_blocks WHERE seal_id = {second.Id} AND kind = 2 AND ids @> {slowId}::bigint"));
        Assert.True(report.Intact, string.Join("; ", report.Findings.Select(f => f.Detail)));
        Assert.Equal((2, 10L, 0L, 0L), (report.Seals, report.RowsVerified, report.PurgedRows, report.UnsealedRows));
    }

    [Fact]
    public async Task Rows_committed_after_the_last_seal_are_counted_as_unsealed_and_nothing_sealed_means_not_verified()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_unsealed");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);

        var before = await new IntegrityVerifier().VerifyAsync(db);
        await new AuditSealer().SealAsync(db);
        await SealScenario.WriteAsync(db, 5, 2);
        var after = await new IntegrityVerifier().VerifyAsync(db);

        Assert.False(before.Intact);
        Assert.Equal(0, before.Seals);
        // Unsealed rows are change rows (and purge-log entries): a head is a change that carries its transaction.
        Assert.Equal(3L, before.UnsealedRows);
        Assert.True(after.Intact);
        Assert.Equal((3L, 6L), (after.RowsVerified, after.UnsealedRows));
    }

    [Fact]
    public async Task Sealing_needs_repeatable_read_and_the_seal_tables_are_append_only_for_retention_and_readers()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_roles");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);
        await db.ExecAsync("SET ROLE threadline_retention");
        var seal = await new AuditSealer().SealAsync(db);

        var readCommitted = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("SELECT * FROM threadline.seal()"));
        string[] tampering =
        [
            "UPDATE threadline.seals SET hash = sha256('x')",
            "DELETE FROM threadline.seals",
            "INSERT INTO threadline.seals (previous_id, sealed_at, sealed_by, snapshot, transactions, changes, purges, digest, hash) SELECT id, now(), 'me', snapshot, 0, 0, 0, digest, hash FROM threadline.seals",
            "DELETE FROM threadline.seal_blocks",
            "UPDATE threadline.purge_log SET reason = 'retention'",
            "DELETE FROM threadline.purge_log",
        ];
        var states = new List<string>();
        foreach (var sql in tampering.Concat(["SET ROLE threadline_reader", "SELECT threadline.seal()"]))
        {
            try
            {
                await db.ExecAsync(sql);
                states.Add("ok");
            }
            catch (PostgresException ex)
            {
                states.Add(ex.SqlState);
            }
        }

        Assert.NotNull(seal);
        Assert.Equal("25000", readCommitted.SqlState);
        Assert.Contains("REPEATABLE READ", readCommitted.MessageText, StringComparison.Ordinal);
        Assert.Equal(["42501", "42501", "42501", "42501", "42501", "42501", "ok", "42501"], states);
    }

    [Fact]
    public async Task Two_concurrent_seals_never_fork_the_chain_the_second_follows_the_first()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_race");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);
        await using var other = await database.OpenAsync();
        await using var first = await db.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var firstId = await AuditRows.ScalarAsync<long>(db, "SELECT id FROM threadline.seal()");

        // The second seal starts while the first is uncommitted on the same predecessor; it waits, then must follow it.
        // "Waits" is seen, not assumed: its backend is blocked on a lock (the first seal's uncommitted successor row)
        // while the first is still open. A second seal that never started, or ran through, never shows that.
        var second = new AuditSealer().SealAsync(other);
        await using (var watcher = await database.OpenAsync())
        {
            var waited = await Eventually.TrueWithinAsync(TimeSpan.FromSeconds(30), async () =>
                second.IsCompleted || await AuditRows.ScalarAsync<long>(watcher,
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", other.ProcessID) == 1);
            Assert.True(waited && !second.IsCompleted,
                $"the second seal should wait on a lock behind the uncommitted first one; it {(second.IsCompleted ? $"finished first ({second.Status})" : "never waited on a lock within 30 s")}");
        }

        await first.CommitAsync();
        var sealedSecond = await second;
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.NotNull(sealedSecond);
        Assert.Equal(firstId, sealedSecond.PreviousId);
        Assert.Equal(0L, sealedSecond.Changes + sealedSecond.Transactions);
        Assert.True(report.Intact);
        Assert.Equal(2, report.Seals);
    }
}
