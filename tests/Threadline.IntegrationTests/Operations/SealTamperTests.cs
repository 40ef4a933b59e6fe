using Npgsql;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations.Integrity;

namespace Threadline.IntegrationTests.Operations;

/// <summary>Tampering with sealed rows, as the owner or a superuser, is reported row by row; a rewritten chain is caught by the anchor.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SealTamperTests(PlatformFixture platform)
{
    [Fact]
    public async Task Changed_deleted_inserted_rows_a_forged_actor_and_a_deleted_transaction_are_each_named_by_id()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_tamper");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 4);
        await new AuditSealer().SealAsync(db);
        var changes = await ChangeIdsAsync(db);
        var (t1, t2, t3) = (await First(db, 0), await First(db, 1), await First(db, 2));

        // The owner role owns the audit tables and so may write them: exactly the tampering seals exist for.
        await db.ExecAsync("SET ROLE threadline_owner");
        await db.ExecAsync($"UPDATE threadline.changes SET data_after = '{{\"id\": 0, \"status\": \"refunded\"}}' WHERE id = {changes[1]}");
        await db.ExecAsync($"DELETE FROM threadline.changes WHERE id = {changes[2]}");
        var forged = await SealScenario.ScalarAsync(db, $$"""
            INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, data_after)
            VALUES (nextval('threadline.change_id'), {{t1}}, now(), (SELECT table_id FROM threadline.tables WHERE table_name = 'orders'), 'i', '999', '{"id": 999, "status": "paid"}')
            RETURNING id
            """);
        // The actor lives on the head, which the seal hashes with the change.
        await db.ExecAsync($"UPDATE threadline.changes SET actor_id = 'someone-else' WHERE id = {t2}");
        // The superuser removes a whole transaction: its head and its other changes.
        await db.ExecAsync("RESET ROLE");
        var t3Changes = await ChangeIdsAsync(db, $"tx_id = {t3}");
        await db.ExecAsync($"DELETE FROM threadline.changes WHERE tx_id = {t3}");

        var report = await new IntegrityVerifier().VerifyAsync(db);

        string[] expected =
        [
            $"Changed Change {changes[1]}",
            $"Deleted Change {changes[2]}",
            $"Inserted Change {forged}",
            $"Changed Change {t2}",
            .. t3Changes.Select(id => $"Deleted Change {id}"),
        ];
        Assert.False(report.Intact);
        Assert.Equal(expected.Order(StringComparer.Ordinal), SealScenario.Named(report));
        Assert.All(report.Findings, f => Assert.Equal(1L, f.SealId));
        Assert.Contains(report.Findings, f => f.Detail == $"change {forged} belongs to the window of seal 1 but was not sealed by it");
    }

    [Fact]
    public async Task A_change_that_carries_a_transaction_context_though_it_is_not_a_head_is_reported()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_actor_copy");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 2);
        await new AuditSealer().SealAsync(db);
        var changes = await ChangeIdsAsync(db, "tx_id <> id");

        // Putting a change into another actor's by-actor timeline: only heads may carry an actor.
        await db.ExecAsync("SET ROLE threadline_owner");
        await db.ExecAsync($"UPDATE threadline.changes SET actor_type = 'user', actor_id = 'someone-else' WHERE id = {changes[0]}");
        await db.ExecAsync("RESET ROLE");
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.False(report.Intact);
        Assert.Equal([$"ActorMismatch Change {changes[0]}", $"Changed Change {changes[0]}"], SealScenario.Named(report));
    }

    [Fact]
    public async Task A_change_without_its_head_and_a_head_from_the_future_are_reported()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_forged");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);
        await new AuditSealer().SealAsync(db);

        var orphan = await SealScenario.ScalarAsync(db, """
            INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key)
            VALUES (nextval('threadline.change_id'), 424242, now(), (SELECT table_id FROM threadline.tables WHERE table_name = 'orders'), 'd', '1') RETURNING id
            """);
        var future = await SealScenario.ScalarAsync(db, """
            WITH n AS (SELECT nextval('threadline.change_id') AS id)
            INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op, row_key, txid, started_at, actor_type, actor_id)
            SELECT n.id, n.id, now(), (SELECT table_id FROM threadline.tables WHERE table_name = 'orders'), 'd', '2',
                   (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text::xid8, now(), 'user', 'ghost'
              FROM n RETURNING id
            """);
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.Equal([$"FutureTransaction Transaction {future}", $"Orphaned Change {orphan}"], SealScenario.Named(report));
    }

    [Fact]
    public async Task A_superuser_who_rewrites_the_whole_chain_is_caught_by_the_exported_anchor()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_anchor");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 2);
        var sealer = new AuditSealer();
        await sealer.SealAsync(db);
        var anchor = SealAnchor.Parse((await sealer.ExportAnchorAsync(db))!.ToJson());
        var changeId = (await ChangeIdsAsync(db))[0];

        // Change a row, then throw the chain away and seal again from scratch, numbering included.
        await db.ExecAsync($$"""
            UPDATE threadline.changes SET data_after = '{"id": 0, "status": "rewritten"}' WHERE id = {{changeId}};
            DELETE FROM threadline.seal_blocks; DELETE FROM threadline.seals;
            ALTER TABLE threadline.seals ALTER COLUMN id RESTART WITH 1;
            """);
        await sealer.SealAsync(db);
        var withoutAnchor = await new IntegrityVerifier().VerifyAsync(db);
        var withAnchor = await new IntegrityVerifier().VerifyAsync(db, anchor);

        Assert.Equal((1L, 2L, 6L), (anchor.SealId, anchor.Transactions, anchor.Changes));
        Assert.True(withoutAnchor.Intact, "without an anchor a consistent rewrite cannot show");
        Assert.False(withAnchor.Intact);
        var finding = Assert.Single(withAnchor.Findings);
        Assert.Equal(IntegrityProblem.AnchorMismatch, finding.Problem);
        Assert.Contains($"the anchor says {anchor.Hash}", finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_or_altered_seal_breaks_the_chain_at_that_seal()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "seal_chain");
        await using var db = await SealScenario.PrepareAsync(database, transactions: 1);
        var sealer = new AuditSealer();
        for (var i = 0; i < 3; i++)
        {
            await SealScenario.WriteAsync(db, 10 + i, 1);
            await sealer.SealAsync(db);
        }

        await db.ExecAsync("UPDATE threadline.seals SET changes = changes + 1 WHERE id = 3");
        var report = await new IntegrityVerifier().VerifyAsync(db);

        Assert.Equal([(IntegrityProblem.BrokenSeal, 3L)], report.Findings.Select(f => (f.Problem, f.SealId ?? 0)));
    }

    private static async Task<long> First(NpgsqlConnection db, int offset) =>
        await SealScenario.ScalarAsync(db, $"SELECT id FROM threadline.changes WHERE id = tx_id ORDER BY id OFFSET {offset} LIMIT 1");

    private static async Task<List<long>> ChangeIdsAsync(NpgsqlConnection db, string where = "true")
    {
        await using var command = new NpgsqlCommand($"SELECT id FROM threadline.changes WHERE {where} ORDER BY id", db);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
