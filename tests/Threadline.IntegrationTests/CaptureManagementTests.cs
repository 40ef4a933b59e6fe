using Microsoft.Extensions.Configuration;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>Enable, list, change options, disable and every refusal, against the real catalog.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class CaptureManagementTests(DatabaseFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("capture-management-tests"));
    private readonly CaptureManager _capture = new();

    [Fact]
    public async Task Reruns_are_harmless_and_new_options_take_effect_in_place()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("managed", "(id integer PRIMARY KEY, email text, note text)");
        var options = new TableCaptureOptions(table) { Mask = ["email"], RequireActor = true };

        var first = await _capture.EnableAsync(db, options);
        var rerun = await _capture.EnableAsync(db, options);
        var changed = await _capture.EnableAsync(db, options with { Mask = [], Exclude = ["email"], MaskPlaceholder = "***" });

        Assert.True(first.IsActive);
        Assert.Equal((first.EnabledAt, first.OptionsChangedAt), (rerun.EnabledAt, rerun.OptionsChangedAt));
        Assert.Equal(first.EnabledAt, changed.EnabledAt);
        Assert.True(changed.OptionsChangedAt > first.OptionsChangedAt);
        Assert.Equal(["id"], changed.KeyColumns);
        Assert.Equal(["email"], changed.Options.Exclude);
        Assert.Equal(("***", true), (changed.Options.MaskPlaceholder, changed.Options.RequireActor));
        Assert.Equal(4, await TriggerCountAsync(db, table));
        Assert.Equivalent(changed, (await _capture.ListAsync(db)).Single(t => t.Table == table));

        await db.ExecAuditedAsync(Context, $"INSERT INTO public.{table} VALUES (1, 'x@example.org', 'n')");
        Assert.Equal("{\"id\": 1, \"note\": \"n\"}", await AfterImageAsync(db, table));
    }

    [Fact]
    public async Task Disabling_stops_capture_and_keeps_the_history()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("disabled", "(id integer PRIMARY KEY)");
        await _capture.EnableAsync(db, new TableCaptureOptions(table));
        await db.ExecAuditedAsync(Context, $"INSERT INTO public.{table} VALUES (1)");

        await _capture.DisableAsync(db, "public", table);
        await _capture.DisableAsync(db, "public", table);
        await db.ExecAuditedAsync(Context, $"INSERT INTO public.{table} VALUES (2)");

        Assert.Equal(0, await TriggerCountAsync(db, table));
        Assert.DoesNotContain(await _capture.ListAsync(db), t => t.Table == table);
        Assert.Equal(1L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE table_name = $1", table));
    }

    [Fact]
    public async Task A_disabled_trigger_shows_in_the_listing()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("tampered", "(id integer PRIMARY KEY)");
        await _capture.EnableAsync(db, new TableCaptureOptions(table));

        await db.ExecAsync($"ALTER TABLE public.{table} DISABLE TRIGGER {CaptureSqlGenerator.UpdateTrigger}");

        var listed = (await _capture.ListAsync(db)).Single(t => t.Table == table);
        Assert.Equal((3, false), (listed.ActiveTriggers, listed.IsActive));
    }

    public static TheoryData<string, string, Func<string, TableCaptureOptions>> Refusals => new()
    {
        { "(id integer PRIMARY KEY)", "does not exist (names are case-sensitive)", t => new TableCaptureOptions(t.ToUpperInvariant()) },
        { "(id integer, v text)", "has no primary key. Add one, or name the columns that identify a row with KeyColumns", t => new TableCaptureOptions(t) },
        { "(id integer PRIMARY KEY, v text)", "Unknown masked column nope in public.", t => new TableCaptureOptions(t) { Mask = ["nope"] } },
        { "(id integer PRIMARY KEY, v text)", "Unknown key column nope in public.", t => new TableCaptureOptions(t) { KeyColumns = ["nope"] } },
        { "(id integer PRIMARY KEY, v text)", "are both excluded and masked; choose one", t => new TableCaptureOptions(t) { Exclude = ["v"], Mask = ["v"] } },
        { "(id integer PRIMARY KEY, v text)", "cannot be excluded or masked: the key identifies the row", t => new TableCaptureOptions(t) { Exclude = ["id"] } },
        { "(id integer PRIMARY KEY, v text)", "mask placeholder", t => new TableCaptureOptions(t) { Mask = ["v"], MaskPlaceholder = "" } },
        { "(id integer PRIMARY KEY)", "audit tables can never be audited", _ => new TableCaptureOptions("changes", "threadline") },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Each_refusal_names_the_problem_and_changes_nothing(string definition, string message, Func<string, TableCaptureOptions> options)
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("refused", definition);
        var before = await _capture.ListAsync(db);

        var error = await Assert.ThrowsAsync<CaptureException>(() => _capture.EnableAsync(db, options(table)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Count, (await _capture.ListAsync(db)).Count);
        Assert.Equal(0, await TriggerCountAsync(db, table));
    }

    [Fact]
    public async Task Strict_attribution_everywhere_rejects_writes_without_actor_on_lenient_tables()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("lenient", "(id integer PRIMARY KEY)");
        await _capture.EnableAsync(db, new TableCaptureOptions(table));
        await db.ExecAsync($"INSERT INTO public.{table} VALUES (1)");

        await _capture.SetRequireActorEverywhereAsync(db, true);
        try
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync($"INSERT INTO public.{table} VALUES (2)"));
            Assert.Equal("42501", error.SqlState);
            Assert.Contains($"a write to public.{table} needs an actor", error.MessageText, StringComparison.Ordinal);
            Assert.Contains("CALL threadline.set_context(", error.Hint, StringComparison.Ordinal);
            await db.ExecAuditedAsync(Context, $"INSERT INTO public.{table} VALUES (3)");
        }
        finally
        {
            await _capture.SetRequireActorEverywhereAsync(db, false);
        }

        Assert.Equal("1 (none), 3 capture-management-tests", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(c.row_key ->> 'id' || ' ' || coalesce(t.actor_id, '(none)'), ', ' ORDER BY c.id) FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.table_name = $1",
            table));
    }

    [Fact]
    public async Task Capture_from_configuration_converges_and_a_bad_entry_changes_nothing()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "configured");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, card text); CREATE TABLE public.notes (id int PRIMARY KEY, body text)");
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream("""
            { "Threadline": { "Capture": { "Tables": [
                { "Table": "orders", "Mask": [ "card" ], "RequireActor": true },
                { "Schema": "public", "Table": "notes" } ] } } }
            """u8.ToArray())).Build();
        var tables = configuration.GetSection("Threadline:Capture:Tables").Get<List<TableCaptureSettings>>()!.Select(t => t.ToOptions()).ToList();

        var first = await _capture.ApplyAsync(db, tables);
        var again = await _capture.ApplyAsync(db, tables);
        var bad = await Assert.ThrowsAsync<CaptureException>(() => _capture.ApplyAsync(db, [tables[0] with { Mask = [] }, tables[1] with { Mask = ["nope"] }], disableUnlisted: true));
        var narrowed = await _capture.ApplyAsync(db, [tables[0] with { Mask = [], Exclude = ["card"] }], disableUnlisted: true);

        Assert.Equal(["public.orders", "public.notes"], first.Enabled);
        Assert.Equal(["public.orders", "public.notes"], again.Unchanged);
        Assert.Contains("Unknown masked column nope in public.notes", bad.Message, StringComparison.Ordinal);
        Assert.Equal(["public.orders"], narrowed.Changed);
        Assert.Equal(["public.notes"], narrowed.Disabled);
        var listed = Assert.Single(await _capture.ListAsync(db));
        Assert.Equal(["card"], listed.Options.Exclude);
        Assert.True(listed.Options.RequireActor);
    }

    private static Task<int> TriggerCountAsync(NpgsqlConnection db, string table) =>
        AuditRows.ScalarAsync<int>(db, "SELECT count(*)::int FROM pg_trigger WHERE tgrelid = to_regclass('public.' || quote_ident($1)) AND tgname LIKE 'threadline_capture_%' AND tgenabled <> 'D'", table);

    private static Task<string> AfterImageAsync(NpgsqlConnection db, string table) =>
        AuditRows.ScalarAsync<string>(db, "SELECT data_after::text FROM threadline.change_log WHERE table_name = $1 ORDER BY id DESC LIMIT 1", table);
}
