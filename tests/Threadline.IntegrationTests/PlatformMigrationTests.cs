using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Platform;
using Threadline.Platform.Outbox;
using Threadline.Platform.Posts;

namespace Threadline.IntegrationTests;

/// <summary>
/// The platform's tables come from EF Core migrations applied by the schema manager's setup (PlatformDatabase), on a
/// fresh database and on one the DDL setup created before the migrations existed; every run after the first changes
/// nothing.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PlatformMigrationTests(DatabaseFixture platform)
{
    // What PlatformDatabase.SetUpAsync ran before the migrations (fd38e92), minus roles and grants, kept verbatim.
    private const string PreMigrationDdl = """
        CREATE TABLE IF NOT EXISTS public.posts (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            body        text NOT NULL DEFAULT '',
            word_count  integer,
            indexed_at  timestamptz,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        GRANT SELECT, INSERT, UPDATE, DELETE ON public.posts TO threadline_app;
        CREATE TABLE IF NOT EXISTS public.outbox_messages (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id    uuid NOT NULL UNIQUE,
            message_type  text NOT NULL,
            payload       jsonb NOT NULL,
            audit_context jsonb,
            trace_parent  text,
            trace_state   text,
            created_at    timestamptz NOT NULL DEFAULT now(),
            dispatched_at timestamptz
        );
        ALTER TABLE public.outbox_messages ADD COLUMN IF NOT EXISTS trace_parent text, ADD COLUMN IF NOT EXISTS trace_state text;
        CREATE INDEX IF NOT EXISTS outbox_messages_pending_idx ON public.outbox_messages (id) WHERE dispatched_at IS NULL;
        CREATE TABLE IF NOT EXISTS public.processed_messages (
            message_id   uuid PRIMARY KEY,
            consumer     text NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now()
        );
        GRANT SELECT, INSERT, UPDATE ON public.outbox_messages TO threadline_app;
        GRANT SELECT, INSERT ON public.processed_messages TO threadline_app;
        """;

    private static readonly TableCaptureOptions[] Configured = [new("posts") { RequireActor = true }];

    [Fact]
    public async Task A_fresh_database_gets_the_migrations_with_grants_and_capture_and_a_second_run_changes_nothing()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "migrate");
        await using var db = await database.OpenAsync();

        // Every statement the setup sends succeeds, so the schema manager's one-time trace is not drawn as an error on a
        // clean start (issue 23): EF Core's first read of a missing history table used to fail twice (42P01).
        var (first, failedStatements) = await WithFailedStatementsAsync(() => SetUpAsync(db));
        var again = await SetUpAsync(db);

        Assert.Empty(failedStatements);
        Assert.False(first.Baselined);
        Assert.Equal(AllMigrations(db), first.AppliedMigrations);
        // The migration enabled capture of posts with the options configuration lists, so applying them changed nothing.
        Assert.Equal(["public.posts"], first.Capture.Unchanged);
        Assert.Equal((false, 0, 0, 0), (again.Baselined, again.AppliedMigrations.Count, again.Capture.Changed.Count, again.Capture.Enabled.Count));
        await AssertMigratedAsync(db);
        Assert.Equal("t t t t f t", await AuditRows.ScalarAsync<string>(db, """
            SELECT concat_ws(' ', has_table_privilege('threadline_app', 'public.posts', 'DELETE'), has_table_privilege('threadline_app', 'public.outbox_messages', 'UPDATE'),
                   has_table_privilege('threadline_app', 'public.processed_messages', 'INSERT'), has_table_privilege('threadline_app', 'public.processed_messages', 'SELECT'),
                   has_table_privilege('threadline_app', 'public.processed_messages', 'DELETE'), has_table_privilege('threadline_app', 'public.posts', 'INSERT'))
            """));
        var posts = Assert.Single(await new CaptureManager().ListAsync(db));
        Assert.Equal(["id"], posts.KeyColumns);
        Assert.Equal(("posts", true, true), (posts.Table, posts.Options.RequireActor, posts.IsActive));
    }

    [Fact]
    public async Task A_database_set_up_before_the_migrations_is_adopted_with_its_rows_and_history()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "premigration");
        await using var db = await database.OpenAsync();
        await SetUpBeforeMigrationsAsync(db);
        await db.ExecAuditedAsync(new AuditContext(ActorRef.System("legacy-writer")), "INSERT INTO public.posts (title, body) VALUES ('written before migrations', 'kept')");

        var adopted = await SetUpAsync(db);
        var again = await SetUpAsync(db);

        // The initial migration is recorded, not run; the later ones run.
        Assert.True(adopted.Baselined);
        Assert.Equal(AllMigrations(db).Skip(1), adopted.AppliedMigrations);
        Assert.Equal(["public.posts"], adopted.Capture.Unchanged);
        Assert.Equal((false, 0), (again.Baselined, again.AppliedMigrations.Count));
        await AssertMigratedAsync(db);
        Assert.Equal("kept legacy-writer", await AuditRows.ScalarAsync<string>(db, """
            SELECT p.body || ' ' || t.actor_id FROM public.posts p
              JOIN threadline.changes c ON c.table_id = (SELECT tb.table_id FROM threadline.tables tb WHERE tb.table_name = 'posts') AND c.row_key = p.id::text
              JOIN threadline.transactions t ON t.id = c.tx_id
            """));
        // The adopted tables take writes through EF as before.
        await using var context = PlatformDatabase.ForMigrations(db);
        context.ProcessedMessages.Add(new ProcessedMessage { MessageId = Guid.NewGuid(), Consumer = "adoption-check" });
        await context.SaveChangesAsync();
        Assert.True((await context.ProcessedMessages.SingleAsync()).ProcessedAt > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Tables_that_differ_from_the_initial_migration_are_named_and_nothing_is_recorded()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "drifted");
        await using var db = await database.OpenAsync();
        await SetUpBeforeMigrationsAsync(db);
        await db.ExecAsync("""
            ALTER TABLE public.outbox_messages DROP COLUMN trace_state;
            ALTER TABLE public.posts ALTER COLUMN word_count TYPE bigint, ADD COLUMN slug text;
            DROP INDEX public.outbox_messages_pending_idx;
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SetUpAsync(db));

        Assert.Contains("column public.outbox_messages.trace_state is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("public.outbox_messages has no constraint or index outbox_messages_pending_idx", error.Message, StringComparison.Ordinal);
        Assert.Contains("column public.posts.word_count is bigint, the migration creates integer", error.Message, StringComparison.Ordinal);
        Assert.Contains("column public.posts.slug is not in the migration", error.Message, StringComparison.Ordinal);
        Assert.False(await AuditRows.ScalarAsync<bool>(db, "SELECT to_regclass('public.\"__EFMigrationsHistory\"') IS NOT NULL"));
    }

    [Fact]
    public async Task The_idempotent_migration_script_sets_up_the_same_tables_and_capture_and_runs_again_harmlessly()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "scripted");
        await using var db = await database.OpenAsync();
        await new Threadline.Schema.SchemaInstaller().InstallAsync(db);
        await using var context = PlatformDatabase.ForMigrations(db);
        // What `dotnet ef migrations script --idempotent` writes, for teams that deploy scripts instead of running code.
        var script = context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        await db.ExecAsync(script);
        await db.ExecAsync(script);

        await AssertMigratedAsync(db);
        var posts = Assert.Single(await new CaptureManager().ListAsync(db));
        Assert.Equal(("posts", true, true), (posts.Table, posts.Options.RequireActor, posts.IsActive));
    }

    [Fact]
    public async Task Configuration_that_leaves_out_posts_is_refused_before_anything_changes()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "unlisted");
        await using var db = await database.OpenAsync();
        var (app, auditor) = Passwords();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PlatformDatabase.SetUpAsync(db, app, auditor, [new TableCaptureOptions("outbox_messages")]));

        Assert.Contains("Threadline:Capture:Tables leaves out public.posts", error.Message, StringComparison.Ordinal);
        Assert.False(await AuditRows.ScalarAsync<bool>(db, "SELECT to_regnamespace('threadline') IS NOT NULL OR to_regclass('public.posts') IS NOT NULL"));
    }

    [Fact]
    public async Task The_shared_database_was_set_up_by_the_migrations()
    {
        await using var db = await platform.OpenDirectAsync();

        await AssertMigratedAsync(db);
    }

    /// <summary>Runs <paramref name="action"/> and returns the statements Npgsql traced as failed meanwhile (an error status).</summary>
    private static async Task<(T Result, IReadOnlyList<string> Failed)> WithFailedStatementsAsync<T>(Func<Task<T>> action)
    {
        var failed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.Status == ActivityStatusCode.Error)
                {
                    failed.Enqueue($"{span.StatusDescription}: {span.GetTagItem("db.query.text") ?? span.DisplayName}");
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var result = await action();
        return (result, failed.ToArray());
    }

    private async Task<PlatformSetUpResult> SetUpAsync(NpgsqlConnection db)
    {
        var (app, auditor) = Passwords();
        return await PlatformDatabase.SetUpAsync(db, app, auditor, Configured);
    }

    // The roles are cluster-wide: the setup must keep the passwords the pooler logs in with.
    private (string App, string Auditor) Passwords() =>
        (new NpgsqlConnectionStringBuilder(platform.AppConnectionString).Password!, new NpgsqlConnectionStringBuilder(platform.AuditorConnectionString).Password!);

    // The old code path: audit schema, tables by DDL, capture from configuration; no migration history.
    private static async Task SetUpBeforeMigrationsAsync(NpgsqlConnection db)
    {
        await new Threadline.Schema.SchemaInstaller().InstallAsync(db);
        await db.ExecAsync(PreMigrationDdl);
        await new CaptureManager().ApplyAsync(db, Configured, disableUnlisted: true);
    }

    private static IReadOnlyList<string> AllMigrations(NpgsqlConnection db)
    {
        using var context = PlatformDatabase.ForMigrations(db);
        return [.. context.Database.GetMigrations()];
    }

    private static async Task AssertMigratedAsync(NpgsqlConnection db)
    {
        await using var context = PlatformDatabase.ForMigrations(db);
        Assert.Equal(context.Database.GetMigrations(), await context.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.False(context.Database.HasPendingModelChanges());
        Assert.Contains(PlatformTables.MustBeCaptured.Single(), (await new CaptureManager().ListAsync(db)).Select(t => $"{t.Schema}.{t.Table}"));
    }
}
