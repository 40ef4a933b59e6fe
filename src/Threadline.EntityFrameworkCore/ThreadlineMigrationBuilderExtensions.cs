using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Capture management inside EF Core migrations, so capture travels with the schema change that needs it and shows
/// up in <c>dotnet ef migrations script</c>. The audit schema itself is installed by <see cref="InstallThreadline"/> in an
/// earlier migration, or beforehand by <see cref="SchemaInstaller"/> or its script.
/// </summary>
public static class ThreadlineMigrationBuilderExtensions
{
    /// <summary>
    /// Installs the audit schema, or upgrades it to this library's version, inside the migration, so
    /// <c>dotnet ef database update</c> (<c>Database.MigrateAsync()</c>) on an empty database sets it up before the
    /// migrations that enable capture. Idempotent: the steps already installed (by an earlier migration,
    /// <see cref="SchemaInstaller"/> or the <c>threadline</c> tool) are skipped, so it is safe on a database that has the schema.
    /// </summary>
    /// <remarks>
    /// Emits one <c>DO</c> block that takes the installer's advisory lock in the migration's transaction, reads the installed
    /// version and runs the installer's script (<see cref="SchemaInstaller.GetScript"/>) for each missing step. The script is
    /// rendered when the migration runs or is scripted, from the Threadline package referenced then: to upgrade the schema
    /// after updating the package, add a migration that calls this again. Like <see cref="SchemaInstaller"/>, it creates the
    /// NOLOGIN roles <c>threadline_*</c> when missing: run migrations on a direct connection as a role that may create roles.
    /// There is nothing to undo in <c>Down()</c>: the audit schema keeps the history.
    /// </remarks>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="schemaOptions">The schema and role names of the installation; the default ones when omitted.</param>
    /// <returns><paramref name="migrationBuilder"/>.</returns>
    public static MigrationBuilder InstallThreadline(this MigrationBuilder migrationBuilder, ThreadlineSchemaOptions? schemaOptions = null)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql(InstallScript.For(schemaOptions));
        return migrationBuilder;
    }

    /// <summary>
    /// Enables capture on a table, or applies new options to it. The key columns must be named (a migration is
    /// scripted without a database); the script re-checks the table and every named column when it runs.
    /// </summary>
    public static MigrationBuilder EnableThreadlineCapture(this MigrationBuilder migrationBuilder, TableCaptureOptions options, ThreadlineSchemaOptions? schemaOptions = null)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql(CaptureSqlGenerator.EnableScript(options, schemaOptions ?? ThreadlineSchemaOptions.Default));
        return migrationBuilder;
    }

    /// <summary>
    /// Enables capture on the table of an entity type from the migration's target model (<c>TargetModel</c>): table,
    /// schema and primary key columns come from the model; <paramref name="configure"/> adds redaction and the rest.
    /// </summary>
    public static MigrationBuilder EnableThreadlineCapture(
        this MigrationBuilder migrationBuilder,
        IReadOnlyEntityType entityType,
        Func<TableCaptureOptions, TableCaptureOptions>? configure = null,
        ThreadlineSchemaOptions? schemaOptions = null)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        var table = entityType.GetTableName()
            ?? throw new CaptureException($"Entity type {entityType.DisplayName()} is not mapped to a table, so it cannot be captured.");
        var schema = entityType.GetSchema() ?? entityType.Model.GetDefaultSchema() ?? "public";
        var store = StoreObjectIdentifier.Table(table, entityType.GetSchema());
        var keys = entityType.FindPrimaryKey()?.Properties.Select(p => p.GetColumnName(store)
                ?? throw new CaptureException($"Key property {p.Name} of {entityType.DisplayName()} has no column in {schema}.{table}."))
            .ToArray()
            ?? throw new CaptureException($"Entity type {entityType.DisplayName()} has no primary key; name the key columns with TableCaptureOptions.KeyColumns.");
        var options = new TableCaptureOptions(table, schema) { KeyColumns = keys };
        return migrationBuilder.EnableThreadlineCapture(configure is null ? options : configure(options), schemaOptions);
    }

    /// <summary>Disables capture on a table (its audit history stays). Use it in Down() to undo <see cref="EnableThreadlineCapture(MigrationBuilder, TableCaptureOptions, ThreadlineSchemaOptions?)"/>.</summary>
    public static MigrationBuilder DisableThreadlineCapture(this MigrationBuilder migrationBuilder, string table, string schema = "public", ThreadlineSchemaOptions? schemaOptions = null)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Sql(CaptureSqlGenerator.DisableScript(schema, table, schemaOptions ?? ThreadlineSchemaOptions.Default));
        return migrationBuilder;
    }
}
