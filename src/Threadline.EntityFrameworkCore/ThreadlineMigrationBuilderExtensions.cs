using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Threadline.Capture;
using Threadline.Schema;

namespace Threadline.EntityFrameworkCore;

/// <summary>
/// Capture management inside EF Core migrations, so capture travels with the schema change that needs it and shows
/// up in <c>dotnet ef migrations script</c>. Install the audit schema itself first (SchemaInstaller or its script).
/// </summary>
public static class ThreadlineMigrationBuilderExtensions
{
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
