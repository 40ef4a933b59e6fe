using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.IntegrationTests.Schema;
using Threadline.Operations;
using Threadline.Operations.Integrity;
using Threadline.Query;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>
/// Install and upgrade on fresh databases: in place, idempotent, scriptable, never downgraded, never from a pre-release
/// layout. "An existing install" is the frozen install of version 12 as the old version scripts made it.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchemaUpgradeTests(DatabaseFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("upgrade-tests"));

    [Fact]
    public async Task A_v012_install_of_the_previous_layout_upgrades_in_place_keeping_history_seals_and_capture()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "upgrade");
        await FrozenV012Install.ApplyAsync(database);
        await using var db = await database.OpenAsync();
        var installer = new SchemaInstaller();
        Assert.Equal(12, await installer.GetInstalledVersionAsync(db));
        // History on the previous layout, written by the version 12 capture function (frozen) and sealed once.
        await db.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, status text, card text)");
        await db.ExecAsync(FrozenV012Install.CaptureOrdersSql);
        var before = new AuditContext(ActorRef.User("before-upgrade")) { RequestId = "req-12" };
        await db.ExecAuditedAsync(before,
            "INSERT INTO public.orders VALUES (1, 'new', '4111'), (2, 'new', '4222'), (3, 'new', '4333'), (4, 'new', '4444')",
            "SELECT threadline.record_action('orders.import')",
            "UPDATE public.orders SET status = 'paid' WHERE id = 1");
        await db.ExecAsync("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT threadline.seal(); COMMIT;");
        await db.ExecAuditedAsync(new AuditContext(ActorRef.User("unsealed")), "UPDATE public.orders SET status = 'late' WHERE id = 4");
        // A write past capture before the upgrade: the completeness check must still find it after.
        await db.ExecAsync("""
            BEGIN; ALTER TABLE public.orders DISABLE TRIGGER threadline_capture_update;
            UPDATE public.orders SET status = 'bypass' WHERE id = 3;
            ALTER TABLE public.orders ENABLE TRIGGER threadline_capture_update; COMMIT;
            """);
        var idsBefore = await AuditRows.ScalarAsync<string>(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM threadline.changes");

        var upgrade = await installer.InstallAsync(db);
        var rerun = await installer.InstallAsync(db);

        Assert.Equal((12, SchemaInstaller.LatestVersion), (upgrade.PreviousVersion, upgrade.CurrentVersion));
        Assert.Equal(Enumerable.Range(13, SchemaInstaller.LatestVersion - 12), upgrade.Applied);
        Assert.Empty(rerun.Applied);
        Assert.Equal(idsBefore, await AuditRows.ScalarAsync<string>(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM threadline.changes"));
        // The upgrade regenerated the capture function: writes after it go to the new layout, under the same options.
        var capture = new CaptureManager();
        var after = new AuditContext(ActorRef.User("after-upgrade"));
        await db.ExecAuditedAsync(after, "UPDATE public.orders SET status = status WHERE id = 1");
        await db.ExecAuditedAsync(after, "SELECT threadline.record_action('orders.cleanup')", "DELETE FROM public.orders WHERE id = 2", "UPDATE public.orders SET status = 'shipped' WHERE id = 1");

        // Every change kept with its id; a V012 transaction is now the head of its first change, with its context.
        var history = await AuditRows.ScalarAsync<string>(db, """
            SELECT string_agg(format('%s %s %s %s %s %s %s', c.op, CASE WHEN c.id = c.tx_id THEN 'head' ELSE '-' END, t.actor_id, c.row_key,
                                     coalesce((SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(c.data_before) k WHERE c.op = 'u'), '-'),
                                     coalesce(c.data_after, c.data_before), coalesce(a.name, '-')), ' | ' ORDER BY c.id)
              FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.tx_id
              LEFT JOIN threadline.actions a ON a.id = t.action_id
            """);
        Assert.Equal(string.Join(" | ",
            """i head before-upgrade 1 - {"id": 1, "card": "[REDACTED]", "status": "new"} orders.import""",
            """i - before-upgrade 2 - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.import""",
            """i - before-upgrade 3 - {"id": 3, "card": "[REDACTED]", "status": "new"} orders.import""",
            """i - before-upgrade 4 - {"id": 4, "card": "[REDACTED]", "status": "new"} orders.import""",
            """u - before-upgrade 1 status {"id": 1, "card": "[REDACTED]", "status": "paid"} orders.import""",
            """u head unsealed 4 status {"id": 4, "card": "[REDACTED]", "status": "late"} -""",
            """d head after-upgrade 2 - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.cleanup""",
            """u - after-upgrade 1 status {"id": 1, "card": "[REDACTED]", "status": "shipped"} orders.cleanup"""), history);
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            var reader = new AuditReader(dataSource);
            var found = await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "before-upgrade" }, order: AuditOrder.OldestFirst);
            Assert.Equal(["insert", "insert", "insert", "insert", "update"], found.Items.Select(e => e.Op));
            Assert.Equal(["status"], found.Items[^1].ChangedFields);
            Assert.Equal(1, found.Items[0].RowKey?.GetProperty("id").GetInt32());
            Assert.Equal(["delete", "update"], (await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "after-upgrade" }, order: AuditOrder.OldestFirst)).Items.Select(e => e.Op));
        }

        Assert.True(Assert.Single(await capture.ListAsync(db)).IsActive);
        // The version 12 seal stays in the chain (verified by its chain); the first seal of version 13 covers the rest.
        var sealer = new AuditSealer();
        var first = await sealer.SealAsync(db);
        Assert.Equal(1L, first!.PreviousId);
        var integrity = await new IntegrityVerifier().VerifyAsync(db);
        Assert.Empty(integrity.Findings);
        Assert.Equal((2, 0L), (integrity.Seals, integrity.UnsealedRows));
        // Completeness: rows last written before the upgrade compare by image (its copy has the upgrade's xmin); the
        // bypass before the upgrade is still found.
        var orders = Assert.Single((await new CompletenessChecker().CheckAsync(db, new CompletenessOptions { SampleSize = 5 })).Tables);
        Assert.Equal((1L, 1L, 1L), (orders.Audited, orders.Unaudited, orders.UnchangedSinceAudited));
        Assert.Equal("""{"id": 3}""", Assert.Single(orders.UnauditedSamples).RowKey);
        // The bridges' JSON is not stored twice; the no-op update wrote no change.
        Assert.Equal("req-12 false | - false | - false", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(format('%s %s', coalesce(request_id, '-'), (context IS NOT NULL)::text), ' | ' ORDER BY id) FROM threadline.transactions"));
        var strict = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("UPDATE public.orders SET status = 'lost' WHERE id = 1"));
        Assert.Equal("42501", strict.SqlState);
    }

    [Fact]
    public async Task A_captured_write_in_flight_when_the_upgrade_starts_is_kept_not_dropped_with_the_old_tables()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "upgrade-concurrent");
        await FrozenV012Install.ApplyAsync(database);
        await using var writer = await database.OpenAsync();
        await writer.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, status text, card text)");
        await writer.ExecAsync(FrozenV012Install.CaptureOrdersSql);

        // A writer's change sits uncommitted in the old changes table when the upgrade begins.
        await using var inFlight = await Threadline.Npgsql.NpgsqlAuditExtensions.BeginAuditedTransactionAsync(writer, Context);
        await writer.ExecAsync("INSERT INTO public.orders VALUES (7, 'in-flight', '4777')", inFlight);

        await using var upgrader = await database.OpenAsync();
        var upgrade = new SchemaInstaller().InstallAsync(upgrader);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(upgrade.IsCompleted, "The upgrade must wait for a captured write in flight, not copy around it.");
        await inFlight.CommitAsync();
        await upgrade;

        Assert.Equal("7 upgrade-tests", await AuditRows.ScalarAsync<string>(upgrader, """
            SELECT c.row_key || ' ' || t.actor_id FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.tx_id
            """));
    }

    [Fact]
    public async Task The_history_of_a_dropped_table_stays_readable_by_its_registered_id()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "dropped");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.gone (id bigint PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("gone"));
        await db.ExecAuditedAsync(Context, "INSERT INTO public.gone VALUES (7, 'a')", "UPDATE public.gone SET v = 'b' WHERE id = 7");
        await new CaptureManager().DisableAsync(db, "public", "gone");
        await db.ExecAsync("DROP TABLE public.gone; DELETE FROM threadline.captured_tables WHERE table_name = 'gone'");

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var reader = new AuditReader(dataSource);
        var key = new System.Text.Json.Nodes.JsonObject { ["id"] = 7 };
        var history = await reader.GetRowHistoryAsync("public", "gone", key);
        Assert.Equal(["insert", "update"], history.Items.Select(e => e.Op));
        Assert.Equal(["v"], history.Items[1].ChangedFields);
        var state = await reader.GetStateAsOfAsync("public", "gone", key, DateTimeOffset.UtcNow);
        Assert.Equal((RowStateKind.Exists, "b"), (state.State, state.Data?.GetProperty("v").GetString()));
    }

    [Fact]
    public async Task The_review_script_installs_cleanly_re_applies_the_functions_on_an_install_and_the_installer_agrees()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "script");
        var installer = new SchemaInstaller();

        await database.ExecuteAsync(installer.GetScript());
        await using var db = await database.OpenAsync();
        Assert.Equal(SchemaInstaller.LatestVersion, await installer.GetInstalledVersionAsync(db));
        // The script from the installed version: the function files alone, idempotent.
        await database.ExecuteAsync(installer.GetScript(SchemaInstaller.LatestVersion));
        await database.ExecuteAsync(installer.GetScript(SchemaInstaller.LatestVersion));

        Assert.Empty((await installer.InstallAsync(db)).Applied);
        Assert.False(await new CaptureManager().GetRequireActorEverywhereAsync(db));
        Assert.Equal(2L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.schema_versions"));
    }

    [Fact]
    public async Task A_pre_release_install_is_refused_and_left_alone()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "prerelease");
        await using var db = await database.OpenAsync();
        // What an install of the unreleased version 5 left: its schema_versions rows (and tables this library cannot upgrade).
        await db.ExecAsync("""
            CREATE SCHEMA threadline;
            CREATE TABLE threadline.schema_versions (version integer PRIMARY KEY, name text NOT NULL, installed_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO threadline.schema_versions (version, name) SELECT g, 'pre_release_' || g FROM generate_series(1, 5) g;
            CREATE TABLE threadline.changes (id bigint PRIMARY KEY);
            """);
        var installer = new SchemaInstaller();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => installer.InstallAsync(db));

        Assert.Contains("version 5, a pre-release layout", error.Message, StringComparison.Ordinal);
        Assert.Contains("DROP SCHEMA \"threadline\" CASCADE", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, await installer.GetInstalledVersionAsync(db));
        Assert.Equal("id", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = 'threadline.changes'::regclass AND attnum > 0"));
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM pg_proc WHERE pronamespace = 'threadline'::regnamespace"));
    }

    [Fact]
    public async Task A_database_newer_than_the_library_is_refused_and_left_alone()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "newer");
        await using var db = await database.OpenAsync();
        var installer = new SchemaInstaller();
        await installer.InstallAsync(db);
        await db.ExecAsync("INSERT INTO threadline.schema_versions (version, name) VALUES (999, 'from_the_future')");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => installer.InstallAsync(db));

        Assert.Contains("version 999, newer than this library knows", error.Message, StringComparison.Ordinal);
        Assert.Equal(999, await installer.GetInstalledVersionAsync(db));
    }
}
