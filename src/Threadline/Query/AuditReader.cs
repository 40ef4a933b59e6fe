using System.Text.Json;
using Npgsql;
using Threadline.Schema;

namespace Threadline.Query;

/// <summary>A captured database transaction and who was behind it.</summary>
public sealed record AuditTransaction(
    long Id,
    DateTimeOffset StartedAt,
    DateTimeOffset FirstChangeAt,
    string? ActorType,
    string? ActorId,
    string? OnBehalfOfType,
    string? OnBehalfOfId,
    string? RequestId,
    string? CorrelationId,
    string? TraceId,
    string? JobId,
    string? Source,
    long? ActionId);

/// <summary>One captured row change. JSON columns are returned as JSON text, exactly as stored.</summary>
public sealed record AuditChange(
    long Id,
    long TransactionId,
    string TableSchema,
    string TableName,
    string Op,
    JsonElement? RowKey,
    JsonElement? DataAfter,
    IReadOnlyList<string>? ChangedFields,
    JsonElement? DataBefore,
    DateTimeOffset CapturedAt);

/// <summary>Read side of the audit tables. Use a connection whose role is the reader role.</summary>
public sealed class AuditReader(NpgsqlDataSource dataSource, ThreadlineSchemaOptions? options = null)
{
    private readonly ThreadlineSchemaOptions _options = options ?? ThreadlineSchemaOptions.Default;

    public async Task<AuditTransaction?> GetTransactionAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, started_at, first_change_at, actor_type, actor_id, on_behalf_of_type, on_behalf_of_id,
                   request_id, correlation_id, trace_id, job_id, source, action_id
              FROM {SqlIdentifier.Qualified(_options.Schema, "transactions")} WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AuditTransaction(
            reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
            Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7), Text(reader, 8),
            Text(reader, 9), Text(reader, 10), Text(reader, 11), reader.IsDBNull(12) ? null : reader.GetInt64(12));
    }

    public async Task<IReadOnlyList<AuditChange>> GetChangesAsync(long transactionId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, transaction_id, table_schema, table_name, op, row_key::text, data_after::text, changed_fields, data_before::text, captured_at
              FROM {SqlIdentifier.Qualified(_options.Schema, "changes")} WHERE transaction_id = $1 ORDER BY id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = transactionId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var changes = new List<AuditChange>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add(new AuditChange(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                Json(reader, 5), Json(reader, 6), reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7), Json(reader, 8),
                reader.GetFieldValue<DateTimeOffset>(9)));
        }

        return changes;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static JsonElement? Json(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonDocument.Parse(reader.GetString(ordinal)).RootElement.Clone();
}
