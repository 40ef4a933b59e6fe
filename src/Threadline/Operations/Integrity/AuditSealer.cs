using System.Data;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Operations.Integrity;

/// <summary>
/// Writes seals over the audit trail (the schema's seal() in one REPEATABLE READ transaction) and exports the latest as
/// an anchor. Run it as the owner or a role in the retention group; a seal adds evidence and changes no audit row.
/// </summary>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class AuditSealer(ThreadlineSchemaOptions? options = null)
{
    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    private AuditSchemaNames Names => AuditSchemaNames.For(_options);

    /// <summary>Seals what became visible since the previous seal.</summary>
    /// <remarks>
    /// Calls <c>threadline.seal()</c> in one REPEATABLE READ transaction: it hashes the rows that became visible since the
    /// previous seal into blocks (<c>seal_blocks</c>) and inserts one row into <c>seals</c>, chained to the previous seal. No
    /// audit row changes.
    /// </remarks>
    /// <param name="connection">An open connection as the owner or a role in the retention group.</param>
    /// <param name="skipIfNothingNew">Write no seal (and return null) when nothing new is visible; the first seal is always written.</param>
    /// <param name="cancellationToken">Cancels the seal; nothing is written unless it commits.</param>
    /// <returns>The new seal, or <see langword="null"/> when <paramref name="skipIfNothingNew"/> skipped it.</returns>
    public async Task<AuditSeal?> SealAsync(NpgsqlConnection connection, bool skipIfNothingNew = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var activity = ThreadlineTelemetry.ActivitySource.StartActivity("threadline.seal");
        AuditSeal? seal;
        try
        {
            seal = await SealOnceAsync(connection, skipIfNothingNew, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "seals_one_successor_idx")
        {
            // A concurrent seal took the same predecessor and committed first; a new snapshot sees it and follows it.
            seal = await SealOnceAsync(connection, skipIfNothingNew, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("threadline.seal.id", seal?.Id);
        activity?.SetTag("threadline.seal.changes", seal?.Changes);
        return seal;
    }

    private async Task<AuditSeal?> SealOnceAsync(NpgsqlConnection connection, bool skipIfNothingNew, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT id, previous_id, sealed_at, sealed_by, transactions, changes, purges, encode(hash, 'hex') FROM {Names.Seal}($1)", connection, transaction)
        {
            CommandTimeout = 0,
        };
        command.Parameters.Add(new NpgsqlParameter { Value = skipIfNothingNew });
        AuditSeal? seal = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                seal = Read(reader);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return seal;
    }

    /// <summary>The anchor of the latest seal (or of <paramref name="sealId"/>), with totals over the chain; null when there is none.</summary>
    public async Task<SealAnchor?> ExportAnchorAsync(NpgsqlConnection connection, long? sealId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(Names.Statement("seal_anchor"), connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)sealId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SealAnchor(SealAnchor.CurrentFormat, _options.Schema, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2),
            reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    internal static AuditSeal Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
        reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetString(7));
}
