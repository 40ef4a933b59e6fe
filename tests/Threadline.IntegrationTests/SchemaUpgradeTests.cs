using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.IntegrationTests.Schema;
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
    public async Task A_v012_install_of_the_previous_layout_upgrades_in_place_keeping_history_and_capture()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "upgrade");
        await FrozenV012Install.ApplyAsync(database);
        await using var db = await database.OpenAsync();
        var installer = new SchemaInstaller();
        Assert.Equal(12, await installer.GetInstalledVersionAsync(db));
        await db.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, status text, card text)");
        var capture = new CaptureManager();
        var options = new TableCaptureOptions("orders") { Mask = ["card"], RequireActor = true };
        await capture.EnableAsync(db, options);
        var before = new AuditContext(ActorRef.User("before-upgrade")) { RequestId = "req-12" };
        await db.ExecAuditedAsync(before,
            "INSERT INTO public.orders VALUES (1, 'new', '4111'), (2, 'new', '4222')",
            "SELECT threadline.record_action('orders.import')",
            "UPDATE public.orders SET status = 'paid' WHERE id = 1");

        var upgrade = await installer.InstallAsync(db);
        var rerun = await installer.InstallAsync(db);

        Assert.Equal((12, SchemaInstaller.LatestVersion), (upgrade.PreviousVersion, upgrade.CurrentVersion));
        Assert.Equal(Enumerable.Range(13, SchemaInstaller.LatestVersion - 12), upgrade.Applied);
        Assert.Empty(rerun.Applied);
        // The trigger function generated on the previous layout keeps working until capture is re-applied.
        var between = new AuditContext(ActorRef.User("between"));
        await db.ExecAuditedAsync(between, "UPDATE public.orders SET status = 'shipped' WHERE id = 1");
        await capture.EnableAsync(db, options);
        var after = new AuditContext(ActorRef.User("after-upgrade"));
        await db.ExecAuditedAsync(after, "SELECT threadline.record_action('orders.cleanup')", "DELETE FROM public.orders WHERE id = 2");
        await db.ExecAuditedAsync(after, "UPDATE public.orders SET status = status WHERE id = 1");

        var history = await AuditRows.ScalarAsync<string>(db, """
            SELECT string_agg(format('%s %s %s %s %s %s %s', c.op, t.actor_id, c.actor_id, c.row_key, coalesce(c.changed_fields::text, '-'), coalesce(c.data_after, c.data_before), coalesce(a.name, '-')), ' | ' ORDER BY c.id)
              FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id
              LEFT JOIN threadline.actions a ON a.id = t.action_id
            """);
        Assert.Equal(string.Join(" | ",
            """insert before-upgrade before-upgrade {"id": 1} - {"id": 1, "card": "[REDACTED]", "status": "new"} orders.import""",
            """insert before-upgrade before-upgrade {"id": 2} - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.import""",
            """update before-upgrade before-upgrade {"id": 1} {status} {"id": 1, "card": "[REDACTED]", "status": "paid"} orders.import""",
            """update between between {"id": 1} {status} {"id": 1, "card": "[REDACTED]", "status": "shipped"} -""",
            """delete after-upgrade after-upgrade {"id": 2} - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.cleanup"""), history);
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            var reader = new AuditReader(dataSource);
            var found = await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "before-upgrade" }, order: AuditOrder.OldestFirst);
            Assert.Equal(["insert", "insert", "update"], found.Items.Select(e => e.Op));
            Assert.Equal(["update"], (await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "between" })).Items.Select(e => e.Op));
        }

        Assert.True(Assert.Single(await capture.ListAsync(db)).IsActive);
        Assert.Empty((await new IntegrityVerifier().VerifyAsync(db)).Findings);
        // The bridges' JSON is not stored twice, before the upgrade as after it; the no-op update wrote no transaction row.
        Assert.Equal("req-12 false | - false | - false", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(format('%s %s', coalesce(request_id, '-'), (context IS NOT NULL)::text), ' | ' ORDER BY id) FROM threadline.transactions"));
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'threadline.changes'::regclass AND contype IN ('f', 'c')"));
        var strict = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("UPDATE public.orders SET status = 'lost' WHERE id = 1"));
        Assert.Equal("42501", strict.SqlState);
    }

    [Fact]
    public async Task Changes_recorded_without_an_actor_copy_are_found_by_the_actor_filter_through_their_transactions()
    {
        // Data, not schema: settings.uncopied_actor_max_id marks change rows that carry no copy of their actor (written
        // by the unreleased versions before 12). The reader and the integrity check keep handling such rows; this
        // makes some on the current schema, the way the version 12 upgrade recorded them.
        await using var database = await TemporaryDatabase.CreateAsync(platform, "uncopied");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, status text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("orders"));
        var before = new AuditContext(ActorRef.User("before-copy"));
        var after = new AuditContext(ActorRef.User("after-copy"));
        await db.ExecAuditedAsync(before, "INSERT INTO public.orders VALUES (1, 'new'), (2, 'new')", "UPDATE public.orders SET status = 'paid' WHERE id = 1");
        await db.ExecAuditedAsync(after, "INSERT INTO public.orders VALUES (3, 'new')");
        await db.ExecAsync("""
            UPDATE threadline.changes SET actor_type = NULL, actor_id = NULL;
            UPDATE threadline.settings SET uncopied_actor_max_id = (SELECT max(id) FROM threadline.changes),
                                           uncopied_actor_max_captured_at = (SELECT max(captured_at) FROM threadline.changes);
            """);
        await db.ExecAuditedAsync(after, "DELETE FROM public.orders WHERE id = 2", "UPDATE public.orders SET status = 'shipped' WHERE id = 3");

        Assert.Equal("- - - - after-copy after-copy", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(coalesce(c.actor_id, '-'), ' ' ORDER BY c.id) FROM threadline.changes c"));
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            var reader = new AuditReader(dataSource);
            var found = await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "before-copy" }, order: AuditOrder.OldestFirst);
            Assert.Equal(["insert", "insert", "update"], found.Items.Select(e => e.Op));
            // A page of copies newer than every uncopied change is complete without them; the next one reaches back.
            var afterCopy = new AuditFilter { ActorType = "user", ActorId = "after-copy" };
            var first = await reader.QueryAsync(afterCopy, limit: 2);
            var second = await reader.QueryAsync(afterCopy, AuditCursor.Decode(first.NextCursor!), limit: 2);
            Assert.Equal(["update", "delete"], first.Items.Select(e => e.Op));
            Assert.Equal(("insert", null), (Assert.Single(second.Items).Op, second.NextCursor));
        }

        // The uncopied changes are not integrity findings; a copy that differs from its transaction's actor is.
        Assert.Empty((await new IntegrityVerifier().VerifyAsync(db)).Findings);
        await db.ExecAsync("UPDATE threadline.changes SET actor_id = 'someone-else' WHERE id = (SELECT max(id) FROM threadline.changes)");
        Assert.NotEmpty((await new IntegrityVerifier().VerifyAsync(db)).Findings);
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
        Assert.Equal(1L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.schema_versions"));
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
