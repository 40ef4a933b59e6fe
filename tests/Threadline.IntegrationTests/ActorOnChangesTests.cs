using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Query;

namespace Threadline.IntegrationTests;

/// <summary>
/// Every change row carries its transaction's actor (schema migration actor_on_changes), so a by-actor page is one
/// range of <c>changes_actor_idx</c>; the copy always equals the transaction's actor, whichever way the row was written.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class ActorOnChangesTests(DatabaseFixture platform)
{
    private static readonly AuditContext Alice = new(ActorRef.User("alice-actor-copy"));
    private static readonly AuditContext Bob = new(ActorRef.User("bob-actor-copy"));

    [Fact]
    public async Task Every_operation_records_the_transaction_actor_on_its_change_rows_and_the_actor_filter_finds_exactly_them()
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

        Assert.Equal(
            [
                "insert user alice-actor-copy", "insert user alice-actor-copy", "insert user alice-actor-copy",
                "update user alice-actor-copy", "update user alice-actor-copy", "delete user alice-actor-copy",
                "truncate user bob-actor-copy", "insert - -",
            ],
            await CopiesAsync(db, table));
        Assert.Equal(0, await MismatchesAsync(db, table));

        await using var dataSource = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var page = await new AuditReader(dataSource).QueryAsync(new AuditFilter { ActorType = "user", ActorId = "alice-actor-copy" });
        Assert.Equal(6, page.Items.Count);
        Assert.All(page.Items, e => Assert.Equal(("user", "alice-actor-copy", table.Split('.')[1]), (e.ActorType, e.ActorId, e.TableName)));
    }

    [Fact]
    public async Task A_by_actor_page_reads_the_actor_index_instead_of_walking_the_timeline()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, "actor_plan");
        await using (var tx = await db.BeginAuditedTransactionAsync(Alice))
        {
            await db.ExecAsync($"INSERT INTO {table} SELECT g, 'a' FROM generate_series(1, 2000) g", tx);
            await tx.CommitAsync();
        }

        await db.ExecAsync("ANALYZE threadline.changes; ANALYZE threadline.transactions");

        // The reader's own page queries, parameters bound as it binds them: the copied-actor range alone, and the
        // UNION ALL it reads when a page may reach changes written before the actor copy existed.
        await using var dataSource = NpgsqlDataSource.Create(platform.DirectConnectionString);
        var reader = new AuditReader(dataSource);
        var filter = new AuditFilter { ActorType = "user", ActorId = "rare-actor" };
        foreach (var copiedOnly in new[] { true, false })
        {
            await using var command = reader.CreatePageCommand(filter, null, AuditFilterParser.DefaultLimit, AuditOrder.NewestFirst, copiedOnly);
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
            // The copied range is one range of the actor index on the bound actor, not a walk of the timeline.
            var actorScan = plan.FindIndex(line => line.Contains("using changes_actor_idx on changes c1", StringComparison.Ordinal));
            Assert.True(actorScan >= 0, $"copiedOnly={copiedOnly}: the actor range does not read changes_actor_idx:\n{text}");
            Assert.Contains(plan.Skip(actorScan + 1).Take(2), line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("'rare-actor'", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.Contains("Seq Scan on changes", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_context_that_attributes_a_transaction_late_also_attributes_its_earlier_change_rows()
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

        Assert.Equal(["insert user alice-actor-copy", "insert user alice-actor-copy"], await CopiesAsync(db, table));
        Assert.Equal(0, await MismatchesAsync(db, table));
    }

    [Fact]
    public async Task A_capture_function_generated_before_the_actor_columns_still_records_the_actor()
    {
        // What a trigger function generated by an earlier version does until capture is re-applied: it calls
        // ensure_transaction and names no actor column, so the columns' defaults fill them from the transaction row.
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("actor_old_function", "(id integer PRIMARY KEY, v text)");
        await db.ExecAsync($$"""
            CREATE FUNCTION threadline.old_format_capture_{{table}}() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
            BEGIN
                INSERT INTO threadline.changes (transaction_id, table_schema, table_name, op, row_key, data_after, captured_at)
                SELECT (SELECT threadline.ensure_transaction('public.{{table}}', false)), 'public', '{{table}}', 'insert',
                       jsonb_build_object('id', n.id), to_jsonb(n), clock_timestamp()
                  FROM new_rows n;
                RETURN NULL;
            END $f$;
            CREATE TRIGGER old_format AFTER INSERT ON public.{{table}} REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION threadline.old_format_capture_{{table}}();
            """);
        await using (var tx = await db.BeginAuditedTransactionAsync(Bob))
        {
            await db.ExecAsync($"INSERT INTO public.{table} SELECT g, 'x' FROM generate_series(1, 3) g", tx);
            await tx.CommitAsync();
        }

        Assert.Equal(["insert user bob-actor-copy", "insert user bob-actor-copy", "insert user bob-actor-copy"], await CopiesAsync(db, "public." + table));
        Assert.Equal(0, await MismatchesAsync(db, "public." + table));
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, string prefix)
    {
        var name = await db.CreateTableAsync(prefix, "(id integer PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions(name));
        return "public." + name;
    }

    private static Task<string[]> CopiesAsync(NpgsqlConnection db, string table) =>
        LinesAsync(db, "SELECT op || ' ' || coalesce(actor_type, '-') || ' ' || coalesce(actor_id, '-') FROM threadline.changes WHERE table_name = $1 ORDER BY id", table.Split('.')[1]);

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

    private static Task<long> MismatchesAsync(NpgsqlConnection db, string table) =>
        AuditRows.ScalarAsync<long>(db, """
            SELECT count(*) FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id
             WHERE c.table_name = $1 AND (c.actor_type, c.actor_id) IS DISTINCT FROM (t.actor_type, t.actor_id)
            """, table.Split('.')[1]);
}
