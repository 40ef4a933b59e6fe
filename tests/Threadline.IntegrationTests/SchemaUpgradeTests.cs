using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations.Integrity;
using Threadline.Query;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>Install and upgrade on fresh databases: in place, idempotent, scriptable, never downgraded.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class SchemaUpgradeTests(DatabaseFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("upgrade-tests"));

    [Fact]
    public async Task A_version_1_install_upgrades_in_place_keeping_history_and_capture()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "upgrade");
        await using var db = await database.OpenAsync();
        var installer = new SchemaInstaller();

        var first = await installer.InstallAsync(db, toVersion: 1);
        Assert.Equal((0, 1), (first.PreviousVersion, first.CurrentVersion));
        Assert.Equal([1], first.Applied);
        await db.ExecAsync("CREATE TABLE public.accounts (id uuid PRIMARY KEY, owner text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("accounts") { Mask = ["owner"] });
        var id = Guid.NewGuid();
        await db.ExecAuditedAsync(Context, $"INSERT INTO public.accounts VALUES ('{id}', 'before-upgrade')");

        var upgrade = await installer.InstallAsync(db);
        var rerun = await installer.InstallAsync(db);

        Assert.Equal((1, SchemaInstaller.LatestVersion), (upgrade.PreviousVersion, upgrade.CurrentVersion));
        Assert.Equal(Enumerable.Range(2, SchemaInstaller.LatestVersion - 1), upgrade.Applied);
        Assert.Empty(rerun.Applied);
        await db.ExecAuditedAsync(Context, $"UPDATE public.accounts SET owner = 'after-upgrade' WHERE id = '{id}'");
        var history = await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(c.op || ' ' || t.actor_id || ' ' || c.data_after::text, ' | ' ORDER BY c.id) FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id WHERE c.row_key = jsonb_build_object('id', $1::uuid)",
            id);
        Assert.Equal(
            $"insert upgrade-tests {{\"id\": \"{id}\", \"owner\": \"[REDACTED]\"}} | update upgrade-tests {{\"id\": \"{id}\", \"owner\": \"[REDACTED]\"}}",
            history);
        Assert.True(Assert.Single(await new CaptureManager().ListAsync(db)).IsActive);
    }

    [Fact]
    public async Task A_version_5_install_with_history_moves_to_the_cheaper_capture_in_place()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "upgrade5");
        await using var db = await database.OpenAsync();
        var installer = new SchemaInstaller();
        await installer.InstallAsync(db, toVersion: 5);
        await db.ExecAsync("CREATE TABLE public.orders (id bigint PRIMARY KEY, status text, card text)");
        var capture = new CaptureManager();
        var options = new TableCaptureOptions("orders") { Mask = ["card"], RequireActor = true };
        await capture.EnableAsync(db, options);
        var before = new AuditContext(ActorRef.User("before-upgrade")) { RequestId = "req-5" };
        await db.ExecAuditedAsync(before,
            "INSERT INTO public.orders VALUES (1, 'new', '4111'), (2, 'new', '4222')",
            "SELECT threadline.record_action('orders.import')",
            "UPDATE public.orders SET status = 'paid' WHERE id = 1");

        var upgrade = await installer.InstallAsync(db);

        Assert.Equal(Enumerable.Range(6, SchemaInstaller.LatestVersion - 5), upgrade.Applied);
        // The V005 trigger function keeps working against the V006 transaction function until capture is re-applied.
        var between = new AuditContext(ActorRef.User("between"));
        await db.ExecAuditedAsync(between, "UPDATE public.orders SET status = 'shipped' WHERE id = 1");
        await capture.EnableAsync(db, options);
        var after = new AuditContext(ActorRef.User("after-upgrade"));
        await db.ExecAuditedAsync(after, "SELECT threadline.record_action('orders.cleanup')", "DELETE FROM public.orders WHERE id = 2");
        await db.ExecAuditedAsync(after, "UPDATE public.orders SET status = status WHERE id = 1");

        var history = await AuditRows.ScalarAsync<string>(db, """
            SELECT string_agg(format('%s %s %s %s %s %s', c.op, t.actor_id, c.row_key, coalesce(c.changed_fields::text, '-'), coalesce(c.data_after, c.data_before), coalesce(a.name, '-')), ' | ' ORDER BY c.id)
              FROM threadline.changes c JOIN threadline.transactions t ON t.id = c.transaction_id
              LEFT JOIN threadline.actions a ON a.id = t.action_id
            """);
        Assert.Equal(string.Join(" | ",
            """insert before-upgrade {"id": 1} - {"id": 1, "card": "[REDACTED]", "status": "new"} orders.import""",
            """insert before-upgrade {"id": 2} - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.import""",
            """update before-upgrade {"id": 1} {status} {"id": 1, "card": "[REDACTED]", "status": "paid"} orders.import""",
            """update between {"id": 1} {status} {"id": 1, "card": "[REDACTED]", "status": "shipped"} -""",
            """delete after-upgrade {"id": 2} - {"id": 2, "card": "[REDACTED]", "status": "new"} orders.cleanup"""), history);
        // Changes written after the upgrade carry their transaction's actor, from the column defaults for the V005
        // function and from the capture itself after re-applying; the older ones keep no copy, and the actor filter
        // finds both (schema migration actor_on_changes).
        Assert.Equal("- - - between after-upgrade", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(coalesce(c.actor_id, '-'), ' ' ORDER BY c.id) FROM threadline.changes c"));
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            var reader = new AuditReader(dataSource);
            var found = await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "before-upgrade" }, order: AuditOrder.OldestFirst);
            Assert.Equal(["insert", "insert", "update"], found.Items.Select(e => e.Op));
            Assert.Equal(["update"], (await reader.QueryAsync(new AuditFilter { ActorType = "user", ActorId = "between" })).Items.Select(e => e.Op));
            // A page of copies newer than every uncopied change is complete without them; the next one reaches back.
            await db.ExecAuditedAsync(after, "INSERT INTO public.orders VALUES (3, 'new', '4333')");
            var afterUpgrade = new AuditFilter { ActorType = "user", ActorId = "after-upgrade" };
            var first = await reader.QueryAsync(afterUpgrade, limit: 1);
            var second = await reader.QueryAsync(afterUpgrade, AuditCursor.Decode(first.NextCursor!), limit: 1);
            Assert.Equal(("insert", "delete", null), (Assert.Single(first.Items).Op, Assert.Single(second.Items).Op, second.NextCursor));
        }

        // No seal yet, so the report is not "intact"; what matters is that the uncopied changes are not findings.
        Assert.Empty((await new IntegrityVerifier().VerifyAsync(db)).Findings);
        // Rows written before the upgrade keep their raw context; the bridges' JSON is no longer stored twice.
        Assert.Equal("req-5 true | - false | - false | - false", await AuditRows.ScalarAsync<string>(db,
            "SELECT string_agg(format('%s %s', coalesce(request_id, '-'), (context IS NOT NULL)::text), ' | ' ORDER BY id) FROM threadline.transactions"));
        Assert.Equal(0L, await AuditRows.ScalarAsync<long>(db,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'threadline.changes'::regclass AND contype IN ('f', 'c')"));
        var strict = await Assert.ThrowsAsync<PostgresException>(() => db.ExecAsync("UPDATE public.orders SET status = 'lost' WHERE id = 1"));
        Assert.Equal("42501", strict.SqlState);
    }

    [Fact]
    public async Task The_review_script_applies_cleanly_step_by_step_and_the_installer_agrees()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "script");
        var installer = new SchemaInstaller();

        await database.ExecuteAsync(installer.GetScript(0, 1));
        await using var db = await database.OpenAsync();
        Assert.Equal(1, await installer.GetInstalledVersionAsync(db));
        await database.ExecuteAsync(installer.GetScript(1));
        Assert.Equal(SchemaInstaller.LatestVersion, await installer.GetInstalledVersionAsync(db));

        Assert.Empty((await installer.InstallAsync(db)).Applied);
        Assert.False(await new CaptureManager().GetRequireActorEverywhereAsync(db));
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
