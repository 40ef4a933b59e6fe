using Npgsql;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests;

/// <summary>
/// Each Threadline group role can do exactly its job: the reader reads, retention reads and deletes, the writer
/// (every application role) only hands over context and records actions. Checked by assuming each role in a
/// rolled-back transaction.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class LeastPrivilegeTests(DatabaseFixture platform)
{
    [Theory]
    [InlineData("threadline_reader", "SELECT count(*) FROM threadline.changes JOIN threadline.transactions t ON t.id = tx_id JOIN threadline.tables tb USING (table_id)", true)]
    [InlineData("threadline_reader", "SELECT count(*) FROM threadline.change_log", true)]
    [InlineData("threadline_reader", "SELECT nextval('threadline.change_id')", false)]
    [InlineData("threadline_reader", "SELECT count(*) FROM threadline.actions, threadline.captured_tables, threadline.settings", true)]
    [InlineData("threadline_reader", "DELETE FROM threadline.changes WHERE false", false)]
    [InlineData("threadline_reader", "UPDATE threadline.transactions SET actor_id = 'x' WHERE false", false)]
    [InlineData("threadline_reader", "INSERT INTO threadline.actions (name, status, actor_type, txid, tx_started_at) VALUES ('a', 'ok', 'user', pg_current_xact_id(), now())", false)]
    [InlineData("threadline_reader", "TRUNCATE threadline.changes", false)]
    [InlineData("threadline_retention", "DELETE FROM threadline.changes WHERE false", true)]
    [InlineData("threadline_retention", "DELETE FROM threadline.transactions WHERE false", false)]
    [InlineData("threadline_retention", "DELETE FROM threadline.tables WHERE false", false)]
    [InlineData("threadline_retention", "DELETE FROM threadline.actions WHERE false", true)]
    [InlineData("threadline_retention", "UPDATE threadline.changes SET data_after = NULL WHERE false", false)]
    [InlineData("threadline_retention", "INSERT INTO threadline.changes (id, tx_id, captured_at, table_id, op) VALUES (1, 1, now(), 1, 'i')", false)]
    [InlineData("threadline_retention", "TRUNCATE threadline.changes", false)]
    [InlineData("threadline_retention", "DELETE FROM threadline.captured_tables WHERE false", false)]
    [InlineData("threadline_writer", "CALL threadline.set_context('{\"actor\":{\"type\":\"system\",\"id\":\"x\"}}')", true)]
    [InlineData("threadline_writer", "SELECT threadline.current_transaction_id()", true)]
    [InlineData("threadline_writer", "SELECT count(*) FROM threadline.changes", false)]
    [InlineData("threadline_writer", "SELECT threadline.begin_change('public.posts', false)", false)]
    [InlineData("threadline_writer", "SELECT count(*) FROM threadline.tables", false)]
    [InlineData("threadline_writer", "SELECT threadline.read_context()", false)]
    [InlineData("threadline_writer", "UPDATE threadline.settings SET require_actor = false", false)]
    [InlineData("threadline_writer", "DELETE FROM threadline.captured_tables WHERE false", false)]
    public async Task Each_role_can_do_its_job_and_nothing_more(string role, string sql, bool allowed)
    {
        await using var db = await platform.OpenDirectAsync();
        await using var tx = await db.BeginTransactionAsync();
        await db.ExecAsync($"SET LOCAL ROLE {role}", tx);

        var attempt = db.ExecAsync(sql, tx);

        if (allowed)
        {
            await attempt;
        }
        else
        {
            Assert.Equal("42501", (await Assert.ThrowsAsync<PostgresException>(() => attempt)).SqlState);
        }

        await tx.RollbackAsync();
    }

    [Fact]
    public async Task The_auditor_login_reads_through_the_pooler_and_cannot_delete()
    {
        // A committed audited write of its own, so the read is of a known row, not a count that is never below zero.
        var actor = $"least-privilege-{Guid.NewGuid():N}";
        await using (var db = await platform.OpenDirectAsync())
        {
            var table = await db.CreateTableAsync("auditor_reads", "(id int PRIMARY KEY)");
            await new Threadline.Capture.CaptureManager().EnableAsync(db, new Threadline.Capture.TableCaptureOptions(table));
            await db.ExecAuditedAsync(new AuditContext(ActorRef.User(actor)), $"INSERT INTO public.{table} VALUES (1)");
        }

        await using var auditor = new NpgsqlConnection(platform.AuditorConnectionString);
        await auditor.OpenAsync();

        Assert.Equal(1L, await AuditRows.ScalarAsync<long>(auditor, "SELECT count(*) FROM threadline.transactions WHERE actor_id = $1", actor));
        var error = await Assert.ThrowsAsync<PostgresException>(() => auditor.ExecAsync("DELETE FROM threadline.changes WHERE false"));
        Assert.Equal("42501", error.SqlState);
    }

    [Fact]
    public async Task Capture_functions_are_owned_by_the_owner_role_with_a_fixed_search_path_and_no_public_execute()
    {
        await using var db = await platform.OpenDirectAsync();

        var offenders = await AuditRows.ScalarAsync<string>(db, """
            SELECT coalesce(string_agg(p.proname, ', '), '')
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'threadline' AND p.prokind = 'f'
               AND (pg_get_userbyid(p.proowner) <> 'threadline_owner'
                    OR NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
                    OR has_function_privilege('public', p.oid, 'EXECUTE'))
            """);
        var captureFunctions = await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'threadline' AND p.proname LIKE 'capture\\_%' AND p.prosecdef");

        Assert.Equal("", offenders);
        Assert.True(captureFunctions >= 1);
    }
}
