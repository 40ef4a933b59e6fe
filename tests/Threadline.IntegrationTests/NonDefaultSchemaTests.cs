using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Threadline.Capture;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.Npgsql;
using Threadline.Operations;
using Threadline.Operations.Integrity;
using Threadline.Query;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>
/// The audit schema installed under another name (audit_x, owned and used by audit_x_* roles) in a database that has
/// no threadline schema at all: every statement Threadline sends must take its names from the options, so one that
/// still said threadline.* fails here with "schema threadline does not exist". The application's writes go through a
/// transaction-mode PgBouncer in front of that database, as the app user.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class NonDefaultSchemaTests(DatabaseFixture platform)
{
    private static readonly ThreadlineSchemaOptions AuditX = new()
    {
        Schema = "audit_x",
        OwnerRole = "audit_x_owner",
        ReaderRole = "audit_x_reader",
        RetentionRole = "audit_x_retention",
        WriterRole = "audit_x_writer",
    };

    private readonly AuditContextAccessor _accessor = new();

    [Fact]
    public async Task Capture_bridges_queries_retention_and_checks_all_use_the_configured_schema()
    {
        var database = await TemporaryDatabase.CreateAsync(platform, "audit_x");
        try
        {
            await using var direct = await database.OpenAsync();
            await SetUpAsync(direct);
            await using var pooler = await SecondPooler.StartAsync(platform, "transaction", database.Name);
            using var spans = new AuditSpans();

            await WriteThroughNpgsqlAsync(pooler.ConnectionString, spans);
            await WriteThroughEfCoreAsync(pooler.ConnectionString, spans);
            await CheckCoverageAndCompletenessAsync(direct);
            var beforeTruncate = await NowAsync(direct);
            await using (var app = await OpenAsync(pooler.ConnectionString))
            {
                await app.ExecAuditedAsync(new AuditContext(ActorRef.Admin("ops")), "TRUNCATE public.orders");
            }

            Assert.Equal(
                ["delete/npgsql-bob", "insert/ef-erin", "insert/ef-erin", "insert/npgsql-alice", "insert/npgsql-alice", "truncate/ops", "update/ef-erin", "update/npgsql-bob"],
                await ReadAsync(direct, "SELECT c.op || '/' || t.actor_id FROM audit_x.change_log c JOIN audit_x.transactions t ON t.id = c.transaction_id ORDER BY 1"));
            Assert.Equal(["ef.action/ef-erin", "orders.import/npgsql-alice"], await ReadAsync(direct, "SELECT name || '/' || actor_id FROM audit_x.actions ORDER BY 1"));

            await QueryAsync(database.ConnectionString, beforeTruncate);
            await SealPurgeAndVerifyAsync(direct);

            Assert.Equal(["audit_x"], await ReadAsync(direct, "SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname LIKE '%threadline%' OR nspname LIKE 'audit%'"));
            Assert.Equal([], await ReadAsync(direct, """
                SELECT p.proname::text FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname NOT IN ('audit_x', 'pg_catalog', 'information_schema')
                """));
        }
        finally
        {
            await database.DisposeAsync();
            await DropRolesAsync();
        }
    }

    /// <summary>Install, partition mode (the swap re-issues the grants to audit_x_*), capture, strict attribution, the app user's grants.</summary>
    private static async Task SetUpAsync(NpgsqlConnection direct)
    {
        var installed = await new SchemaInstaller(AuditX).InstallAsync(direct);
        Assert.Equal(SchemaInstaller.LatestVersion, await new SchemaInstaller(AuditX).GetInstalledVersionAsync(direct));
        Assert.Equal(0, installed.PreviousVersion);
        await new PartitioningManager(AuditX).EnableAsync(direct, PartitionInterval.Month, ahead: 1);
        Assert.True(await PartitioningManager.IsPartitionedAsync(direct, AuditX));
        Assert.Equal(["audit_x_reader=r", "audit_x_retention=rd"], await ReadAsync(direct, """
            SELECT split_part(a::text, '/', 1) FROM pg_catalog.pg_class c, unnest(c.relacl) a
             WHERE c.oid = 'audit_x.changes'::regclass AND a::text NOT LIKE 'audit_x_owner=%' ORDER BY 1
            """));

        await direct.ExecAsync("CREATE TABLE public.orders (id int PRIMARY KEY, note text NOT NULL)");
        var captured = await new CaptureManager(AuditX).EnableAsync(direct, new TableCaptureOptions("orders"));
        Assert.True(captured.IsActive);
        await new CaptureManager(AuditX).SetRequireActorEverywhereAsync(direct, true);
        Assert.True(await new CaptureManager(AuditX).GetRequireActorEverywhereAsync(direct));
        await direct.ExecAsync($"""
            GRANT audit_x_writer TO {SqlIdentifier.Quote(Platform.PlatformRoles.AppUser)};
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON public.orders TO {SqlIdentifier.Quote(Platform.PlatformRoles.AppUser)};
            """);
    }

    private static async Task WriteThroughNpgsqlAsync(string pooled, AuditSpans spans)
    {
        await using var app = await OpenAsync(pooled);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => app.ExecAsync("INSERT INTO public.orders VALUES (0, 'anonymous')"));
        Assert.Equal("42501", refused.SqlState);

        await using (var tx = await app.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("npgsql-alice")) { RequestId = "r-1" }))
        {
            await app.ExecAsync("INSERT INTO public.orders VALUES (1, 'a'), (2, 'a')", tx);
            await tx.RecordActionAsync("orders.import", reason: "non-default schema", schema: AuditX);
            using var span = await AuditSpan.StartAsync(tx, schema: AuditX);
            Assert.Equal(2L, Assert.IsType<long>(span?.GetTagItem(AuditSpan.ChangesTag)));
            await tx.CommitAsync();
        }

        await using (var batch = new NpgsqlBatch(app))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE public.orders SET note = 'b' WHERE id = 1"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM public.orders WHERE id = 2"));
            batch.WithAuditContext(new AuditContext(ActorRef.User("npgsql-bob")), AuditX);
            await batch.ExecuteNonQueryAsync();
        }

        // The action with its summary reads audit_x's functions too; rolled back, it leaves nothing behind.
        await using (var tx = await app.BeginAuditedTransactionAsync(new AuditContext(ActorRef.User("npgsql-carol"))))
        {
            await app.ExecAsync("INSERT INTO public.orders VALUES (3, 'rolled back')", tx);
            var recorded = await tx.RecordActionWithSummaryAsync("orders.rolled-back", schema: AuditX);
            Assert.Equal(["public.orders"], recorded.Transaction?.Tables);
            Assert.Equal(1L, recorded.Transaction?.Changes);
            await tx.RollbackAsync();
        }

        Assert.Equal(1, spans.Count);
    }

    private async Task WriteThroughEfCoreAsync(string pooled, AuditSpans spans)
    {
        var options = new DbContextOptionsBuilder<OrdersContext>().UseNpgsql(pooled);
        options.UseThreadline(_accessor, schema: AuditX);
        await using var db = new OrdersContext(options.Options);
        using (_accessor.Begin(new AuditContext(ActorRef.User("ef-erin"))))
        {
            db.Orders.Add(new Order { Id = 10, Note = "ef" });
            await db.SaveChangesAsync();
            // No transaction: the command carries CALL audit_x.set_context(...) itself.
            Assert.Equal(1, await db.Orders.Where(o => o.Id == 10).ExecuteUpdateAsync(s => s.SetProperty(o => o.Note, "ef updated")));
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Orders.Add(new Order { Id = 11, Note = "ef in a transaction" });
            await db.SaveChangesAsync();
            await db.Database.RecordThreadlineActionAsync("ef.action");
            await transaction.CommitAsync();
        }

        // The two stamped transactions (SaveChanges, the explicit one) asked audit_x for their summary before committing.
        Assert.Equal(3, spans.Count);
    }

    private static async Task CheckCoverageAndCompletenessAsync(NpgsqlConnection direct)
    {
        var coverage = await new CoverageChecker(AuditX).CheckAsync(direct, new CoverageExpectation { Required = ["public.orders"] });
        Assert.True(coverage.RequiredHealthy, string.Join("; ", coverage.Findings.Select(f => f.Detail)));
        Assert.Equal(CoverageStatus.Covered, Assert.Single(coverage.Findings, f => f.Table == "public.orders").Status);

        var complete = Assert.Single((await new CompletenessChecker(AuditX).CheckAsync(direct)).Tables);
        Assert.Equal((3L, 0L), (complete.Audited, complete.Unaudited));

        // A write with the capture triggers bypassed: missing from audit_x's history, so the check reports it.
        await direct.ExecAsync("SET session_replication_role = replica; INSERT INTO public.orders VALUES (99, 'unaudited'); RESET session_replication_role");
        var incomplete = Assert.Single((await new CompletenessChecker(AuditX).CheckAsync(direct)).Tables);
        Assert.Equal((3L, 1L), (incomplete.Audited, incomplete.Unaudited));
        await direct.ExecAsync("SET session_replication_role = replica; DELETE FROM public.orders WHERE id = 99; RESET session_replication_role");
    }

    private static async Task QueryAsync(string connectionString, DateTimeOffset beforeTruncate)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var reader = new AuditReader(dataSource, AuditX);
        var timeline = await reader.QueryAsync(new AuditFilter { Table = "orders" });
        Assert.Equal(8, timeline.Items.Count);
        Assert.Equal(8, await reader.CountAsync(new AuditFilter { Table = "orders" }));

        var key = new JsonObject { ["id"] = 1 };
        var history = await reader.GetRowHistoryAsync("public", "orders", key);
        Assert.Equal(["insert", "update"], history.Items.Select(e => e.Op));
        var state = await reader.GetStateAsOfAsync("public", "orders", key, beforeTruncate);
        Assert.Equal(RowStateKind.Exists, state.State);
        Assert.Equal("b", state.Data?.GetProperty("note").GetString());
        Assert.Equal(RowStateKind.Deleted, (await reader.GetStateAsOfAsync("public", "orders", key, DateTimeOffset.UtcNow.AddMinutes(1))).State);

        var diff = await reader.GetDiffAsync(history.Items[1].Id);
        var note = Assert.Single(diff!.Fields, f => f.Changed);
        Assert.Equal(("note", "a", "b"), (note.Field, note.Before?.GetString(), note.After?.GetString()));
        var transaction = await reader.GetTransactionAsync(history.Items[0].TransactionId);
        Assert.Equal(("npgsql-alice", "r-1"), (transaction?.ActorId, transaction?.RequestId));
        Assert.Equal(2, (await reader.GetChangesAsync(history.Items[0].TransactionId)).Count);
        var action = await reader.GetActionAsync(transaction!.ActionId!.Value);
        Assert.Equal(("orders.import", "non-default schema"), (action?.Name, action?.Reason));

        using var csv = new MemoryStream();
        var exported = await new AuditExporter(dataSource, AuditX).ExportAsync(new AuditFilter { Table = "orders" }, AuditExportFormat.Csv, csv, 100);
        Assert.Equal((8L, false), (exported.Rows, exported.Truncated));
        Assert.Equal(9, Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static async Task SealPurgeAndVerifyAsync(NpgsqlConnection direct)
    {
        var sealer = new AuditSealer(AuditX);
        var seal = await sealer.SealAsync(direct);
        Assert.Equal((8L, 6L), (seal?.Changes, seal?.Transactions));
        Assert.Equal("audit_x", (await sealer.ExportAnchorAsync(direct))?.Schema);
        Assert.True((await new IntegrityVerifier(AuditX).VerifyAsync(direct)).Intact);

        var purger = new RetentionPurger(AuditX);
        var asOf = await NowAsync(direct) + TimeSpan.FromHours(2);
        // A long window elsewhere keeps whole partitions out of it (they would be dropped near a month's end): row deletes only.
        var policy = new RetentionPolicy(TimeSpan.FromHours(1)) { TableWindows = new Dictionary<string, TimeSpan> { ["public.elsewhere"] = TimeSpan.FromDays(400) } };
        var dryRun = await purger.PurgeAsync(direct, policy, asOf: asOf);
        Assert.Equal((8L, 6L, 2L), (dryRun.Changes, dryRun.Transactions, dryRun.Actions));
        var purged = await purger.PurgeAsync(direct, policy, execute: true, asOf: asOf);
        Assert.Equal((8L, 6L, 2L, true), (purged.Changes, purged.Transactions, purged.Actions, purged.Complete));
        Assert.Equal(["0"], await ReadAsync(direct, "SELECT (SELECT count(*) FROM audit_x.changes) + (SELECT count(*) FROM audit_x.transactions) + (SELECT count(*) FROM audit_x.actions)"));
        // Only change rows are logged (kind 2): a transaction is its head, a change (schema version 13).
        Assert.Equal(["2/8"], await ReadAsync(direct, "SELECT kind || '/' || sum(row_count) FROM audit_x.purge_log GROUP BY kind ORDER BY 1"));
        Assert.Equal(["true"], await ReadAsync(direct, "SELECT (history_purged_at IS NOT NULL)::text FROM audit_x.captured_tables"));

        var afterPurge = await new IntegrityVerifier(AuditX).VerifyAsync(direct);
        Assert.True(afterPurge.Intact, string.Join("; ", afterPurge.Findings.Select(f => f.Detail)));
        // The 8 purged changes (their 6 heads among them): sealed rows are change rows.
        Assert.Equal(8, afterPurge.PurgedRows);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<DateTimeOffset> NowAsync(NpgsqlConnection db)
    {
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", db);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!, TimeSpan.Zero);
    }

    private static async Task<List<string>> ReadAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    /// <summary>The roles are cluster-wide; the database that used them is gone by now.</summary>
    private async Task DropRolesAsync()
    {
        await using var admin = await platform.OpenDirectAsync();
        await admin.ExecAsync("DROP ROLE IF EXISTS audit_x_owner, audit_x_reader, audit_x_retention, audit_x_writer");
    }

    /// <summary>Counts the threadline.audit spans started while it listens.</summary>
    private sealed class AuditSpans : IDisposable
    {
        private readonly ActivityListener _listener;
        private int _count;

        public AuditSpans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == ThreadlineTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStarted = activity =>
                {
                    if (activity.OperationName == AuditSpan.Name)
                    {
                        Interlocked.Increment(ref _count);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count => Volatile.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private sealed class Order
    {
        public int Id { get; set; }

        public string Note { get; set; } = "";
    }

    private sealed class OrdersContext(DbContextOptions<OrdersContext> options) : DbContext(options)
    {
        public DbSet<Order> Orders => Set<Order>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            var order = modelBuilder.Entity<Order>().ToTable("orders", "public");
            order.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
            order.Property(o => o.Note).HasColumnName("note");
        }
    }
}
