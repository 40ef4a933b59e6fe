using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Threadline.Capture;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.IntegrationTests.Migrations;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>Capture enabled and disabled by EF Core migrations on a fresh database, then exercised through EF.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class EfMigrationCaptureTests(DatabaseFixture platform)
{
    private readonly AuditContextAccessor _accessor = new();

    [Fact]
    public async Task A_migration_enables_capture_with_its_options_and_its_Down_disables_it()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "efmigrate");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        await using var context = CreateContext(database.ConnectionString);

        var script = context.GetService<IMigrator>().GenerateScript();
        await context.Database.MigrateAsync();
        var tenant = Guid.NewGuid();
        using (_accessor.Begin(new AuditContext(ActorRef.User("billing-clerk"))))
        {
            var invoice = new Invoice { TenantId = tenant, Number = 7, Customer = "ACME", CardNumber = "4111111111111111", Amount = 12.5m };
            context.Invoices.Add(invoice);
            await context.SaveChangesAsync();
            invoice.Amount = 13m;
            await context.SaveChangesAsync();
        }

        Assert.Contains("CREATE OR REPLACE FUNCTION \"threadline\".\"capture_billing_invoices_", script, StringComparison.Ordinal);
        var captured = Assert.Single(await new CaptureManager().ListAsync(db));
        Assert.Equal(["TenantId", "Number"], captured.KeyColumns);
        Assert.Equal(["CardNumber"], captured.Options.Mask);
        Assert.True(captured.Options.RequireActor);
        var history = await AuditRows.ScalarAsync<string>(db, """
            SELECT string_agg(concat_ws(' ', c.op, t.actor_id, c.data_after ->> 'CardNumber', c.changed_fields::text), ' | ' ORDER BY c.id)
              FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id
             WHERE c.table_schema = 'billing' AND c.row_key = jsonb_build_object('TenantId', $1::uuid, 'Number', 7)
            """, tenant);
        Assert.Equal("insert billing-clerk [REDACTED] | update billing-clerk [REDACTED] {Amount}", history);

        await context.GetService<IMigrator>().MigrateAsync("0");

        Assert.Empty(await new CaptureManager().ListAsync(db));
        Assert.Equal(2L, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.change_log WHERE table_schema = 'billing'"));
    }

    [Fact]
    public async Task A_scripted_enable_rechecks_the_table_when_it_runs()
    {
        await using var db = await platform.OpenDirectAsync();
        var table = await db.CreateTableAsync("scripted", "(id integer PRIMARY KEY, v text)");
        var schema = ThreadlineSchemaOptions.Default;

        var unknown = await Assert.ThrowsAsync<PostgresException>(() =>
            db.ExecAsync(CaptureSqlGenerator.EnableScript(new TableCaptureOptions(table) { KeyColumns = ["id"], Mask = ["nope"] }, schema)));
        var missing = await Assert.ThrowsAsync<PostgresException>(() =>
            db.ExecAsync(CaptureSqlGenerator.EnableScript(new TableCaptureOptions(table + "_gone") { KeyColumns = ["id"] }, schema)));
        var keyless = Assert.Throws<CaptureException>(() => CaptureSqlGenerator.EnableScript(new TableCaptureOptions(table), schema));

        Assert.Equal(("42703", $"threadline: unknown columns {{nope}} in public.{table}, named in its capture options"), (unknown.SqlState, unknown.MessageText));
        Assert.Equal("42P01", missing.SqlState);
        Assert.Contains("Name the key columns", keyless.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await new CaptureManager().ListAsync(db), t => t.Table == table);
    }

    private InvoicingContext CreateContext(string connectionString)
    {
        var options = new DbContextOptionsBuilder<InvoicingContext>().UseNpgsql(connectionString);
        options.UseThreadline(_accessor);
        // The test model has no generated snapshot; the migration above is the whole history.
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        return new InvoicingContext(options.Options);
    }
}
