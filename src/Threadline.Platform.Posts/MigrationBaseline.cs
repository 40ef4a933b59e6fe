using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Threadline.Platform.Posts.Migrations;
using Threadline.Schema;

namespace Threadline.Platform.Posts;

/// <summary>
/// Adopting migrations on a database the earlier DDL setup created: its tables exist but no migration is recorded.
/// The tables are checked against what the initial migration creates (columns, types, nullability, constraint and
/// index names) and, when they match, that migration is recorded as applied instead of run; later migrations then
/// apply as usual. Tables that differ stop the setup with the differences named, so nothing is recorded that is not so.
/// </summary>
public static class MigrationBaseline
{
    /// <summary>The migration a pre-migration database already has: the tables the DDL setup created.</summary>
    public static string InitialMigrationId { get; } = typeof(InitialPlatformSchema).GetCustomAttribute<MigrationAttribute>()!.Id;

    /// <summary>
    /// Records <see cref="InitialMigrationId"/> as applied when the platform's tables exist without it, in the
    /// transaction the context is enlisted in; true when it did. A fresh database is left to the migrations.
    /// </summary>
    public static async Task<bool> RecordIfSetUpBeforeMigrationsAsync(PostsDbContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = (NpgsqlConnection)context.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction?)context.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Record the baseline inside a transaction that holds the setup lock.");
        // Not GetAppliedMigrationsAsync: it probes a missing history table with a failing query, which aborts the transaction.
        if (await IsRecordedAsync(context, connection, transaction, cancellationToken) || !await TableExistsAsync(connection, transaction, "public.posts", cancellationToken))
        {
            return false;
        }

        var target = InitialTargetModel(context);
        var differences = await SchemaDifferences.FindAsync(connection, transaction, target.GetRelationalModel(), cancellationToken);
        if (differences.Count > 0)
        {
            throw new InvalidOperationException(
                $"The platform's tables exist without migration history, but they differ from what {InitialMigrationId} creates, so it cannot be " +
                $"recorded as applied: {string.Join("; ", differences)}. Bring the tables in line with the migration (or drop them) and run the setup again.");
        }

        var history = context.GetService<IHistoryRepository>();
        var row = new HistoryRow(InitialMigrationId, target.GetProductVersion() ?? "unknown");
        await using var command = new NpgsqlCommand(history.GetCreateIfNotExistsScript() + "\n" + history.GetInsertScript(row), connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    // The initial migration's target model, initialized as the migrator does, so its relational model is available.
    private static IModel InitialTargetModel(PostsDbContext context)
    {
        var assembly = context.GetService<IMigrationsAssembly>();
        var migration = assembly.CreateMigration(assembly.Migrations[InitialMigrationId], context.Database.ProviderName!);
        return context.GetService<IModelRuntimeInitializer>().Initialize(migration.TargetModel!, designTime: true, validationLogger: null);
    }

    private static async Task<bool> IsRecordedAsync(PostsDbContext context, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var options = RelationalOptionsExtension.Extract(context.GetService<IDbContextOptions>());
        var history = SqlIdentifier.Qualified(options.MigrationsHistoryTableSchema ?? context.Model.GetDefaultSchema() ?? "public", options.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName);
        if (!await TableExistsAsync(connection, transaction, history, cancellationToken))
        {
            return false;
        }

        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT FROM {history} WHERE \"MigrationId\" = $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = InitialMigrationId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
