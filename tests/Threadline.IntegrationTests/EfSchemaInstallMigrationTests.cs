using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Threadline.EntityFrameworkCore;
using Threadline.IntegrationTests.Infrastructure;
using Threadline.IntegrationTests.Migrations;
using Threadline.Schema;

namespace Threadline.IntegrationTests;

/// <summary>
/// <c>migrationBuilder.InstallThreadline()</c>: what <c>dotnet ef database update</c> does (<c>MigrateAsync</c>) sets up
/// the audit schema on an empty database, inside EF's migration transaction, and a later migration's capture works.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class EfSchemaInstallMigrationTests(DatabaseFixture platform)
{
    private readonly AuditContextAccessor _accessor = new();

    [Fact]
    public async Task MigrateAsync_on_an_empty_database_installs_the_schema_and_the_next_migration_captures()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "efinstall");
        await using var context = CreateContext(database.ConnectionString);

        await context.Database.MigrateAsync();

        await using var db = await database.OpenAsync();
        Assert.Equal(SchemaInstaller.LatestVersion, await new SchemaInstaller().GetInstalledVersionAsync(db));
        await AssertAuditedWriteAsync(context, db);
    }

    [Fact]
    public async Task The_install_migration_skips_what_is_installed_and_runs_again_harmlessly()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "efinstall");
        await using var db = await database.OpenAsync();
        await new SchemaInstaller().InstallAsync(db);
        var installedAt = await InstalledAtAsync(db);
        await using var context = CreateContext(database.ConnectionString);

        await context.Database.MigrateAsync();
        // Down to nothing and up again: the install migration runs a second time on an installed schema.
        await context.GetService<IMigrator>().MigrateAsync("0");
        await context.Database.MigrateAsync();

        Assert.Equal(installedAt, await InstalledAtAsync(db));
        Assert.Equal((long)SchemaInstaller.Migrations.Count, await AuditRows.ScalarAsync<long>(db, "SELECT count(*) FROM threadline.schema_versions"));
        await AssertAuditedWriteAsync(context, db);
    }

    [Fact]
    public async Task The_idempotent_migration_script_installs_the_schema_and_runs_twice()
    {
        await using var database = await TemporaryDatabase.CreateAsync(platform, "efinstall");
        await using var context = CreateContext(database.ConnectionString);
        var script = context.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        await database.ExecuteAsync(script);
        await database.ExecuteAsync(script);

        await using var db = await database.OpenAsync();
        Assert.Equal(SchemaInstaller.LatestVersion, await new SchemaInstaller().GetInstalledVersionAsync(db));
        await AssertAuditedWriteAsync(context, db);
    }

    /// <summary>An attributed write through EF is audited with its actor; one without an actor is refused (RequireActor).</summary>
    private async Task AssertAuditedWriteAsync(LedgerContext context, NpgsqlConnection db)
    {
        var actor = ActorRef.User($"bookkeeper-{Guid.NewGuid():N}");
        var entry = new LedgerEntry { Memo = "opening balance" };
        using (_accessor.Begin(new AuditContext(actor) { Source = "ledger" }))
        {
            context.Entries.Add(entry);
            await context.SaveChangesAsync();
        }

        var audited = await AuditRows.ScalarAsync<string>(db, """
            SELECT concat_ws(' ', c.op, t.actor_type, t.actor_id, t.source, c.data_after ->> 'memo')
              FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id
             WHERE c.table_schema = 'ledger' AND c.row_key = jsonb_build_object('id', $1::bigint)
            """, entry.Id);
        Assert.Equal($"insert user {actor.Id} ledger opening balance", audited);

        context.Entries.Add(new LedgerEntry { Memo = "unattributed" });
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync());
        Assert.Equal("42501", Assert.IsType<PostgresException>(refused.InnerException).SqlState);
        context.ChangeTracker.Clear();
    }

    private static Task<DateTime> InstalledAtAsync(NpgsqlConnection db) =>
        AuditRows.ScalarAsync<DateTime>(db, "SELECT max(installed_at) FROM threadline.schema_versions");

    private LedgerContext CreateContext(string connectionString)
    {
        var options = new DbContextOptionsBuilder<LedgerContext>().UseNpgsql(connectionString).UseThreadline(_accessor);
        // The test model has no generated snapshot; the migrations above are the whole history.
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        return new LedgerContext(options.Options);
    }
}
