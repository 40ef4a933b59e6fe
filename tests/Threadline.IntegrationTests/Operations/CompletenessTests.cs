using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Threadline.Capture;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Operations;
using Threadline.Platform;
using Threadline.Schema;

namespace Threadline.IntegrationTests.Operations;

/// <summary>The completeness check finds rows written past capture, on a fresh database, by really bypassing it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CompletenessTests(PlatformFixture platform)
{
    private static readonly AuditContext Context = new(ActorRef.User("completeness-tests"));

    [Fact]
    public async Task Replica_role_and_disabled_trigger_writes_are_found_and_a_clean_table_passes()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "completeness");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("""
            CREATE TABLE public.clean (id int PRIMARY KEY, v text);
            CREATE TABLE public.bypassed (id int PRIMARY KEY, v text);
            CREATE TABLE public.legacy (id int PRIMARY KEY, v text);
            INSERT INTO public.legacy SELECT g, 'old' FROM generate_series(1, 3) g;
            """);
        await new CaptureManager().ApplyAsync(db, [new TableCaptureOptions("clean"), new TableCaptureOptions("bypassed"), new TableCaptureOptions("legacy")]);
        await db.ExecAuditedAsync(Context,
            "INSERT INTO public.clean SELECT g, 'a' FROM generate_series(1, 5) g",
            "INSERT INTO public.bypassed SELECT g, 'a' FROM generate_series(1, 5) g",
            "UPDATE public.legacy SET v = 'new' WHERE id = 1");
        // EF Core and Npgsql batches write under savepoints: the row's xmin is then the subtransaction's.
        await db.ExecAuditedAsync(Context, "SAVEPOINT s", "UPDATE public.clean SET v = 'b' WHERE id = 2", "RELEASE SAVEPOINT s");

        var replicaTxid = await WriteAsync(db, "SET LOCAL session_replication_role = replica",
            "UPDATE public.bypassed SET v = 'replica' WHERE id = 2", "INSERT INTO public.bypassed VALUES (10, 'replica')");
        var disabledTxid = await WriteAsync(db, $"ALTER TABLE public.bypassed DISABLE TRIGGER {CaptureSqlGenerator.UpdateTrigger}",
            "UPDATE public.bypassed SET v = 'disabled' WHERE id = 3", $"ALTER TABLE public.bypassed ENABLE TRIGGER {CaptureSqlGenerator.UpdateTrigger}");
        // Audited for clean, bypassing for bypassed, in one transaction: the key must be compared, not only the transaction.
        var mixedTxid = await WriteAsync(db, $"SELECT set_config('threadline.context', '{Context.ToJson()}', true)",
            "UPDATE public.clean SET v = 'c' WHERE id = 3",
            $"ALTER TABLE public.bypassed DISABLE TRIGGER {CaptureSqlGenerator.UpdateTrigger}",
            "UPDATE public.bypassed SET v = 'mixed' WHERE id = 4",
            $"ALTER TABLE public.bypassed ENABLE TRIGGER {CaptureSqlGenerator.UpdateTrigger}");
        // An update that changes nothing is not recorded (RecordNoOpUpdates is off): counted apart, not as a bypass.
        await db.ExecAuditedAsync(Context, "UPDATE public.bypassed SET v = v WHERE id = 5");

        var report = await new CompletenessChecker().CheckAsync(db, new CompletenessOptions { SampleSize = 10 });

        var byTable = report.Tables.ToDictionary(t => t.Table);
        var clean = byTable["public.clean"];
        Assert.True(clean.Complete);
        Assert.Equal((5L, 5L, 0L, 0L, 0L, 0L), (clean.RowsChecked, clean.Audited, clean.Unaudited, clean.UnchangedSinceAudited, clean.BeforeCapture, clean.HistoryPurged));
        Assert.True(clean.CaptureStartExact);
        Assert.Empty(clean.UnauditedSamples);

        var bypassed = byTable["public.bypassed"];
        Assert.False(bypassed.Complete);
        Assert.Equal((6L, 1L, 4L, 1L, 0L), (bypassed.RowsChecked, bypassed.Audited, bypassed.Unaudited, bypassed.UnchangedSinceAudited, bypassed.BeforeCapture));
        Assert.Equal(
            new Dictionary<string, ulong> { ["{\"id\": 2}"] = replicaTxid, ["{\"id\": 10}"] = replicaTxid, ["{\"id\": 3}"] = disabledTxid, ["{\"id\": 4}"] = mixedTxid },
            bypassed.UnauditedSamples.ToDictionary(r => r.RowKey, r => r.WritingTxid));
        Assert.True(bypassed.CaptureStartTxid < replicaTxid);

        var legacy = byTable["public.legacy"];
        Assert.True(legacy.Complete);
        Assert.Equal((3L, 1L, 2L), (legacy.RowsChecked, legacy.Audited, legacy.BeforeCapture));

        Assert.False(report.Complete);
        Assert.Equal(4L, report.Unaudited);
        Assert.Contains(report.CannotBeKnown, l => l.Contains("deleted", StringComparison.Ordinal));

        var one = await new CompletenessChecker().CheckAsync(db, new CompletenessOptions { Tables = ["public.clean"], SampleSize = 0 });
        Assert.Equal(["public.clean"], one.Tables.Select(t => t.Table));
        Assert.True(one.Complete);
        var unknown = await Assert.ThrowsAsync<CaptureException>(() => new CompletenessChecker().CheckAsync(db, new CompletenessOptions { Tables = ["public.nope"] }));
        Assert.StartsWith("Not captured: public.nope.", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_whose_audit_history_retention_purged_are_counted_apart_and_later_bypasses_still_fail()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "completeness_purge");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.items (id int PRIMARY KEY, v text)");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("items"));
        await db.ExecAuditedAsync(Context, "INSERT INTO public.items SELECT g, 'a' FROM generate_series(1, 3) g");
        // "Old" is made by purging as of a later time, as the retention tests do.
        var purge = await new RetentionPurger().PurgeAsync(db, new RetentionPolicy(TimeSpan.FromDays(1)), execute: true, asOf: DateTimeOffset.UtcNow.AddDays(2));
        Assert.Equal(3L, purge.Changes);

        var afterPurge = (await new CompletenessChecker().CheckAsync(db)).Tables.Single();
        await db.ExecAuditedAsync(Context, "UPDATE public.items SET v = 'b' WHERE id = 3");
        var bypassTxid = await WriteAsync(db, "SET LOCAL session_replication_role = replica", "UPDATE public.items SET v = 'replica' WHERE id = 2");
        var later = (await new CompletenessChecker().CheckAsync(db)).Tables.Single();

        Assert.Equal((3L, 0L, 0L), (afterPurge.HistoryPurged, afterPurge.Audited, afterPurge.Unaudited));
        Assert.True(afterPurge.Complete);
        Assert.Contains(afterPurge.Notes, n => n.Contains("Retention purged", StringComparison.Ordinal));
        Assert.Equal((1L, 1L, 1L), (later.HistoryPurged, later.Audited, later.Unaudited));
        Assert.Equal(bypassTxid, later.UnauditedSamples.Single().WritingTxid);
    }

    [Fact]
    public async Task A_table_captured_before_the_start_was_recorded_counts_rows_before_its_oldest_audited_write_as_before_capture()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "completeness_upgrade");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await db.ExecAsync("CREATE TABLE public.old (id int PRIMARY KEY, v text); INSERT INTO public.old VALUES (1, 'pre'), (2, 'pre')");
        await new CaptureManager().EnableAsync(db, new TableCaptureOptions("old"));
        // Past capture, but before the table's first audited write: with only a lower bound of the start, too early to tell.
        await WriteAsync(db, "SET LOCAL session_replication_role = replica", "INSERT INTO public.old VALUES (3, 'early bypass')");
        await db.ExecAuditedAsync(Context, "INSERT INTO public.old VALUES (4, 'audited')");
        // Data the start was not recorded for (tables captured by the unreleased versions before 10): the start is the
        // table's oldest audited transaction, a lower bound, as the upgrade to version 10 recorded it.
        await db.ExecAsync("""
            UPDATE threadline.captured_tables ct
               SET capture_start_exact = false,
                   capture_started_txid = (SELECT min(t.txid) FROM threadline.changes c JOIN threadline.changes t ON t.id = c.tx_id
                                             JOIN threadline.tables tb ON tb.table_id = c.table_id
                                            WHERE tb.table_schema = ct.table_schema AND tb.table_name = ct.table_name)
             WHERE ct.table_name = 'old'
            """);

        var bypassTxid = await WriteAsync(db, "SET LOCAL session_replication_role = replica", "UPDATE public.old SET v = 'late bypass' WHERE id = 1");
        var table = (await new CompletenessChecker().CheckAsync(db)).Tables.Single();

        Assert.False(table.CaptureStartExact);
        Assert.Contains(table.Notes, n => n.Contains("oldest audited transaction", StringComparison.Ordinal));
        Assert.Equal((4L, 2L, 1L, 1L), (table.RowsChecked, table.BeforeCapture, table.Audited, table.Unaudited));
        Assert.Equal(new UnauditedRow("{\"id\": 1}", bypassTxid), table.UnauditedSamples.Single());
    }

    [Fact]
    public async Task The_dashboard_command_reports_the_platform_tables_as_the_library_does()
    {
        await using var db = await platform.OpenDirectAsync();
        var expected = await new CompletenessChecker().CheckAsync(db, new CompletenessOptions { Tables = PlatformTables.MustBeCaptured });
        var target = platform.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == ResourceNames.DirectDatabase);

        var result = await platform.App.ResourceCommands.ExecuteCommandAsync(target, "verify-completeness");

        Assert.Equal(expected.Complete, result.Success);
        var shown = result.Success ? result.Data?.Value : result.Message;
        Assert.Contains("| public.posts | ", shown, StringComparison.Ordinal);
        Assert.Contains("cannot see", shown, StringComparison.Ordinal);
    }

    /// <summary>Runs the statements in one transaction and returns its xid8.</summary>
    private static async Task<ulong> WriteAsync(NpgsqlConnection db, params string[] statements)
    {
        await using var transaction = await db.BeginTransactionAsync();
        foreach (var statement in statements)
        {
            await db.ExecAsync(statement, transaction);
        }

        await using var txid = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", db, transaction);
        var id = (ulong)(long)(await txid.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return id;
    }
}
