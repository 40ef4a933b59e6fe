using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Query;

namespace Threadline.IntegrationTests;

/// <summary>
/// One row per change (schema version 13): the first change of a transaction, its head, carries the transaction's
/// actor and context, every other change points at it, so a by-actor page is one range of <c>changes_actor_idx</c>
/// (one entry per transaction) and the transaction's other changes; a database transaction has exactly one head.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ActorOnHeadsTests(DatabaseFixture platform)
{
    private static readonly AuditContext Alice = new(ActorRef.User("alice-actor-head"));
    private static readonly AuditContext Bob = new(ActorRef.User("bob-actor-head"));

    [Fact]
    public async Task Every_operation_is_attributed_through_its_head_and_the_actor_filter_finds_exactly_them()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_ops");
        await using (var tx = await db.BeginAuditedTransactionAsync(Alice))
        {
            await db.ExecAsync($"INSERT INTO {table} SELECT g, 'a' FROM generate_series(1, 3) g", tx);
            await db.ExecAsync($"UPDATE {table} SET v = 'b' WHERE id <= 2", tx);
            await db.ExecAsync($"DELETE FROM {table} WHERE id = 3", tx);
            await tx.CommitAsync();
        }

        await using (var tx = await db.BeginAuditedTransactionAsync(Bob))
        {
            await db.ExecAsync($"TRUNCATE {table}", tx);
            await tx.CommitAsync();
        }

        await using (var tx = await db.BeginTransactionAsync())
        {
            await db.ExecAsync($"INSERT INTO {table} VALUES (9, 'no context')", tx);
            await tx.CommitAsync();
        }

        // The head (first change of each transaction) holds the actor; the others hold none and reach it by tx_id.
        Assert.Equal(
            [
                "i head user alice-actor-head", "i - -", "i - -", "u - -", "u - -", "d - -",
                "t head user bob-actor-head", "i head - -",
            ],
            await LinesAsync(db, """
                SELECT c.op::text || ' ' || CASE WHEN c.id = c.tx_id THEN 'head ' ELSE '' END || coalesce(c.actor_type, '-') || ' ' || coalesce(c.actor_id, '-')
                  FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id
                 WHERE tb.table_name = $1 ORDER BY c.id
                """, table.Split('.')[1]));
        Assert.Equal(
            ["user alice-actor-head", "user alice-actor-head", "user alice-actor-head", "user alice-actor-head", "user alice-actor-head", "user alice-actor-head", "user bob-actor-head", "- -"],
            await LinesAsync(db, """
                SELECT coalesce(t.actor_type, '-') || ' ' || coalesce(t.actor_id, '-')
                  FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id JOIN threadline.changes t ON t.id = c.tx_id
                 WHERE tb.table_name = $1 ORDER BY c.id
                """, table.Split('.')[1]));

        await using var dataSource = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var page = await new AuditReader(dataSource).QueryAsync(new AuditFilter { ActorType = "user", ActorId = "alice-actor-head", Table = table.Split('.')[1] });
        Assert.Equal(6, page.Items.Count);
        Assert.All(page.Items, e => Assert.Equal(("user", "alice-actor-head", table.Split('.')[1]), (e.ActorType, e.ActorId, e.TableName)));
    }

    [Fact]
    public async Task A_by_actor_page_reads_the_actor_index_of_heads_instead_of_walking_the_timeline()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_plan");
        await using (var tx = await db.BeginAuditedTransactionAsync(Alice))
        {
            await db.ExecAsync($"INSERT INTO {table} SELECT g, 'a' FROM generate_series(1, 2000) g", tx);
            await tx.CommitAsync();
        }

        await db.ExecAsync("ANALYZE threadline.changes");

        // The reader's own page query, parameters bound as it binds them.
        await using var dataSource = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var reader = new AuditReader(dataSource);
        await using var command = reader.CreatePageCommand(new AuditFilter { ActorType = "user", ActorId = "rare-actor" }, null, AuditFilterParser.DefaultLimit, AuditOrder.NewestFirst);
        Assert.NotEmpty(command.Parameters);
        command.CommandText = "EXPLAIN " + command.CommandText;
        var plan = new List<string>();
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                plan.Add(rows.GetString(0));
            }
        }

        var text = string.Join("\n", plan);
        // The actor's heads are one range of the actor index on the bound actor, not a walk of the timeline.
        var actorScan = plan.FindIndex(line => line.Contains("using changes_actor_idx on changes h1", StringComparison.Ordinal));
        Assert.True(actorScan >= 0, $"the actor range does not read changes_actor_idx:\n{text}");
        Assert.Contains(plan.Skip(actorScan + 1).Take(2), line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("'rare-actor'", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan on changes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_context_that_attributes_a_transaction_late_attributes_its_head_and_so_its_earlier_changes()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_late");
        await using (var tx = await db.BeginTransactionAsync())
        {
            await db.ExecAsync($"INSERT INTO {table} VALUES (1, 'before the context')", tx);
            await tx.SetAuditContextAsync(Alice);
            await db.ExecAsync($"INSERT INTO {table} VALUES (2, 'after the context')", tx);
            await tx.CommitAsync();
        }

        Assert.Equal(
            ["i head user alice-actor-head", "i - -"],
            await LinesAsync(db, """
                SELECT c.op::text || ' ' || CASE WHEN c.id = c.tx_id THEN 'head ' ELSE '' END || coalesce(c.actor_type, '-') || ' ' || coalesce(c.actor_id, '-')
                  FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id
                 WHERE tb.table_name = $1 ORDER BY c.id
                """, table.Split('.')[1]));
    }

    [Fact]
    public async Task A_transaction_has_one_head_a_write_after_its_hint_was_lost_fails_on_the_one_head_index()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_one_head");
        await using var tx = await db.BeginAuditedTransactionAsync(Alice);
        await db.ExecAsync($"INSERT INTO {table} VALUES (1, 'first')", tx);
        // RESET ALL (or a hand-set hint) forgets which head the transaction has: the next write would start a second one.
        await db.ExecAsync("SELECT set_config('threadline.captured', '', true)", tx);
        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO {table} VALUES (2, 'second')", tx));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Equal("changes_one_head_per_transaction", error.ConstraintName);
    }

    [Fact]
    public async Task A_forged_hint_cannot_move_a_change_into_another_transaction()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_forged");
        long victim;
        await using (var tx = await db.BeginAuditedTransactionAsync(Alice))
        {
            await db.ExecAsync($"INSERT INTO {table} VALUES (1, 'alice')", tx);
            victim = await AuditRows.ScalarAsync<long>(db, "SELECT threadline.current_transaction_id()");
            await tx.CommitAsync();
        }

        await using (var tx = await db.BeginAuditedTransactionAsync(Bob))
        {
            // A hint naming alice's head with this transaction's xid: the head must carry this xid, so it is not used.
            await db.ExecAsync($"SELECT set_config('threadline.captured', pg_current_xact_id()::text || '/{victim}/' || current_setting('threadline.context'), true)", tx);
            await db.ExecAsync($"INSERT INTO {table} VALUES (2, 'bob')", tx);
            await tx.CommitAsync();
        }

        Assert.Equal(
            ["alice-actor-head", "bob-actor-head"],
            await LinesAsync(db, """
                SELECT t.actor_id FROM threadline.changes c JOIN threadline.tables tb ON tb.table_id = c.table_id JOIN threadline.changes t ON t.id = c.tx_id
                 WHERE tb.table_name = $1 ORDER BY c.id
                """, table.Split('.')[1]));
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, string prefix)
    {
        var name = await db.CreateTableAsync(prefix, "(id integer PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(name));
        return "public." + name;
    }

    private static async Task<string[]> LinesAsync(NpgsqlConnection db, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, db);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return [.. rows];
    }
}
