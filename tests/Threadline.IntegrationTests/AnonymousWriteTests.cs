using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;

namespace Threadline.IntegrationTests;

/// <summary>
/// A table captured with RequireActor refuses the anonymous actor (TL003) unless its capture options allow anonymous
/// writes: an endpoint that forgot its authorization cannot write <c>anonymous</c> rows into a strict table. Other
/// tables take anonymous writes as before.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class AnonymousWriteTests(DatabaseFixture platform)
{
    private static readonly AuditContext Anonymous = new(ActorRef.Anonymous) { RequestId = "anon-1" };

    [Fact]
    public async Task A_strict_table_refuses_the_anonymous_actor_and_nothing_is_written()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o with { RequireActor = true });
        var transactionsBefore = await TransactionCountAsync(db);

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAuditedAsync(Anonymous, $"INSERT INTO public.{table} VALUES (1)"));

        Assert.Equal(ThreadlineSqlStates.AnonymousActorRefused, error.SqlState);
        Assert.Contains($"public.{table} needs an authenticated actor", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", error.Hint, StringComparison.Ordinal);
        Assert.Equal(0, await AuditRows.ScalarAsync<long>(db, $"SELECT count(*) FROM public.{table}"));
        Assert.Equal(0, await ChangeCountAsync(db, table));
        Assert.Equal(transactionsBefore, await TransactionCountAsync(db));
    }

    [Theory]
    [InlineData("UPDATE public.{0} SET note = 'changed'")]
    [InlineData("DELETE FROM public.{0}")]
    [InlineData("TRUNCATE public.{0}")]
    public async Task Every_kind_of_write_is_refused_for_the_anonymous_actor(string statement)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o with { RequireActor = true });
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("owner")), $"INSERT INTO public.{table} VALUES (1)");

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAuditedAsync(Anonymous, string.Format(System.Globalization.CultureInfo.InvariantCulture, statement, table)));

        Assert.Equal(ThreadlineSqlStates.AnonymousActorRefused, error.SqlState);
        Assert.Equal("one", await AuditRows.ScalarAsync<string>(db, $"SELECT note FROM public.{table} WHERE id = 1"));
        Assert.Equal(1, await ChangeCountAsync(db, table));
    }

    [Fact]
    public async Task A_strict_table_that_allows_anonymous_writes_records_them_as_anonymous()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o with { RequireActor = true, AllowAnonymous = true });

        await db.ExecAuditedAsync(Anonymous, $"INSERT INTO public.{table} VALUES (1)");

        Assert.Equal("anonymous", await AuditRows.ScalarAsync<string>(db, $"""
            SELECT t.actor_type FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id
             WHERE c.table_schema = 'public' AND c.table_name = $1
            """, table));
        // The option is stored with the table's capture settings, and read back.
        var captured = Assert.Single(await new CaptureManager().ListAsync(db), t => t.Table == table);
        Assert.True(captured.Options.AllowAnonymous);
        Assert.True(await AuditRows.ScalarAsync<bool>(db,
            "SELECT (options ->> 'allow_anonymous')::boolean FROM threadline.captured_tables WHERE table_schema = 'public' AND table_name = $1", table));
    }

    [Fact]
    public async Task A_strict_table_still_refuses_a_write_without_any_actor_and_takes_an_identified_one()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o with { RequireActor = true });

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO public.{table} VALUES (1)"));
        Assert.Equal(ThreadlineSqlStates.ActorRequired, error.SqlState);
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("u-1")), $"INSERT INTO public.{table} VALUES (2)");

        Assert.Equal(2, await AuditRows.ScalarAsync<int>(db, $"SELECT id FROM public.{table}"));
        Assert.Equal(1, await ChangeCountAsync(db, table));
    }

    [Fact]
    public async Task A_lenient_table_takes_anonymous_writes()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o);

        await db.ExecAuditedAsync(Anonymous, $"INSERT INTO public.{table} VALUES (1)");

        Assert.Equal(1, await ChangeCountAsync(db, table));
    }

    [Fact]
    public async Task An_anonymous_transaction_that_wrote_to_a_lenient_table_cannot_then_write_to_a_strict_one()
    {
        await using var db = await platform.OpenDirectAsync();
        var lenient = await CreateTableAsync(db, o => o);
        var strict = await CreateTableAsync(db, o => o with { RequireActor = true });
        await using var tx = await db.BeginAuditedTransactionAsync(Anonymous);
        await db.ExecAsync($"INSERT INTO public.{lenient} VALUES (1)", tx);
        // Clearing the context does not help: the transaction's actor is the one its first write recorded.
        await db.ExecAsync("SELECT set_config('threadline.context', '', true)", tx);

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO public.{strict} VALUES (1)", tx));

        Assert.Equal(ThreadlineSqlStates.AnonymousActorRefused, error.SqlState);
        await tx.RollbackAsync();
        Assert.Equal(0, await ChangeCountAsync(db, strict));
    }

    [Fact]
    public async Task Allowing_anonymous_writes_later_is_an_option_change_the_plan_names()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await CreateTableAsync(db, o => o with { RequireActor = true });
        var manager = new CaptureManager();

        var plan = await manager.PlanAsync(db, [new TableCaptureOptions(table) { RequireActor = true, AllowAnonymous = true }]);

        var entry = Assert.Single(plan, e => e.Table == $"public.{table}");
        Assert.Contains("allow anonymous: no -> yes", entry.Reasons);
    }

    [Fact]
    public async Task A_strict_table_captured_before_the_check_takes_anonymous_writes_until_capture_is_applied_again_and_the_plan_says_so()
    {
        await using var db = await platform.OpenDirectAsync();
        // What an earlier version left: a function without the check, options without allow_anonymous.
        var table = await CreateTableAsync(db, o => o with { RequireActor = true, AllowAnonymous = true });
        await db.ExecAsync($"UPDATE threadline.captured_tables SET options = options - 'allow_anonymous' WHERE table_schema = 'public' AND table_name = '{table}'");
        await db.ExecAuditedAsync(Anonymous, $"INSERT INTO public.{table} VALUES (1)");
        var manager = new CaptureManager();
        var desired = new TableCaptureOptions(table) { RequireActor = true };

        var entry = Assert.Single(await manager.PlanAsync(db, [desired]), e => e.Table == $"public.{table}");
        Assert.Equal(CapturePlanAction.Refresh, entry.Action);
        Assert.Contains(entry.Reasons, r => r.Contains("predates the refusal of the anonymous actor", StringComparison.Ordinal));
        var applied = await manager.ApplyAsync(db, [desired]);

        Assert.Contains($"public.{table}", applied.Changed);
        var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAuditedAsync(Anonymous, $"INSERT INTO public.{table} VALUES (2)"));
        Assert.Equal(ThreadlineSqlStates.AnonymousActorRefused, error.SqlState);
        Assert.Equal(CapturePlanAction.Unchanged, Assert.Single(await manager.PlanAsync(db, [desired]), e => e.Table == $"public.{table}").Action);
    }

    private static async Task<string> CreateTableAsync(NpgsqlConnection db, Func<TableCaptureOptions, TableCaptureOptions> options)
    {
        var name = await db.CreateTableAsync("anon", "(id integer PRIMARY KEY, note text DEFAULT 'one')");
        await new CaptureManager().EnableAsync(db, options(new TableCaptureOptions(name)));
        return name;
    }

    private static Task<long> ChangeCountAsync(NpgsqlConnection db, string table) =>
        AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE table_schema = 'public' AND table_name = $1 AND op <> 'baseline'", table);

    private static Task<long> TransactionCountAsync(NpgsqlConnection db) =>
        AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.transactions");
}
