using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Threadline.Query;

namespace Threadline.IntegrationTests.Export;

/// <summary>
/// The exporter's rendering before the export-only row path (library at fd38e92), kept verbatim as the reference the
/// new bytes are compared with: every row through <see cref="AuditEntry"/> (the JSON columns parsed into documents),
/// NDJSON and JSON re-serialized through <see cref="Utf8JsonWriter"/>, CSV built from strings. The column list and the
/// SQL are frozen here as literals (not the exporter's <c>Columns</c> nor <c>AuditSql</c>), so a change to the exporter's
/// columns, filtering or order shows as different bytes instead of being checked against itself.
/// </summary>
internal static class PreviousExportRendering
{
    private static readonly string[] Columns =
    [
        "id", "transaction_id", "captured_at", "table_schema", "table_name", "op", "row_key", "changed_fields", "data_before", "data_after",
        "actor_type", "actor_id", "on_behalf_of_type", "on_behalf_of_id", "request_id", "correlation_id", "trace_id", "job_id", "source", "action_id",
        "context_refused",
    ];

    /// <summary>What <see cref="AuditEntry.Read"/> reads, in its order (AuditSql.EntryColumns at fd38e92).</summary>
    private const string EntryColumns = """
        c.id, c.transaction_id, c.table_schema, c.table_name, c.op, c.row_key::text, c.data_after::text, c.changed_fields,
        c.data_before::text, c.captured_at, t.started_at, t.actor_type, t.actor_id, t.on_behalf_of_type, t.on_behalf_of_id,
        t.request_id, t.correlation_id, t.trace_id, t.job_id, t.source, t.action_id, t.refused_context ->> 'reason'
        """;

    /// <summary>One table's changes: the only filter the byte tests export with.</summary>
    private const string FromWhere = """
        FROM threadline.change_log c JOIN threadline.transactions t ON t.id = c.transaction_id
         WHERE c.table_schema = $1
           AND c.table_name = $2
        """;

    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    /// <summary>The previous exporter's bytes for the same query, in one snapshot; throws where it threw.</summary>
    public static async Task<byte[]> RenderAsync(NpgsqlDataSource dataSource, AuditFilter filter, AuditExportFormat format, int maxRows)
    {
        var cancellationToken = CancellationToken.None;
        if (filter != new AuditFilter { Schema = filter.Schema, Table = filter.Table } || filter.Schema is null || filter.Table is null)
        {
            throw new NotSupportedException("The frozen reference SQL filters by schema and table only.");
        }

        using var output = new MemoryStream();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        bool truncated;
        await using (var probe = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 {FromWhere} OFFSET {maxRows})", connection, transaction))
        {
            probe.Parameters.Add(new NpgsqlParameter { Value = filter.Schema });
            probe.Parameters.Add(new NpgsqlParameter { Value = filter.Table });
            truncated = (bool)(await probe.ExecuteScalarAsync(cancellationToken))!;
        }

        await using (var command = new NpgsqlCommand($"SELECT {EntryColumns} {FromWhere} ORDER BY c.captured_at, c.id LIMIT {maxRows}", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = filter.Schema });
            command.Parameters.Add(new NpgsqlParameter { Value = filter.Table });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            _ = format switch
            {
                AuditExportFormat.Csv => await WriteCsvAsync(reader, output, cancellationToken),
                _ => await WriteJsonAsync(reader, output, format, truncated, maxRows, cancellationToken),
            };
        }

        await transaction.CommitAsync(cancellationToken);
        return output.ToArray();
    }

    private static async Task<long> WriteCsvAsync(NpgsqlDataReader reader, Stream output, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        await WriteLineAsync(output, string.Join(',', Columns), cancellationToken);
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var e = AuditEntry.Read(reader);
            line.Clear();
            string?[] fields =
            [
                e.Id.ToString(CultureInfo.InvariantCulture), e.TransactionId.ToString(CultureInfo.InvariantCulture), Time(e.CapturedAt),
                e.TableSchema, e.TableName, e.Op, e.RowKey?.GetRawText(), e.ChangedFields is null ? null : string.Join(' ', e.ChangedFields),
                e.DataBefore?.GetRawText(), e.DataAfter?.GetRawText(), e.ActorType, e.ActorId, e.OnBehalfOfType, e.OnBehalfOfId,
                e.RequestId, e.CorrelationId, e.TraceId, e.JobId, e.Source, e.ActionId?.ToString(CultureInfo.InvariantCulture),
                e.ContextRefused,
            ];
            for (var i = 0; i < fields.Length; i++)
            {
                line.Append(i == 0 ? "" : ",").Append(CsvField(fields[i]));
            }

            await WriteLineAsync(output, line.ToString(), cancellationToken);
            rows++;
        }

        await output.FlushAsync(cancellationToken);
        return rows;
    }

    private static async Task<long> WriteJsonAsync(NpgsqlDataReader reader, Stream output, AuditExportFormat format, bool truncated, int maxRows, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(output);
        if (format == AuditExportFormat.Json)
        {
            writer.WriteStartObject();
            writer.WriteBoolean("truncated", truncated);
            writer.WriteNumber("maxRows", maxRows);
            writer.WriteStartArray("items");
        }

        long rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            WriteEntry(writer, AuditEntry.Read(reader));
            rows++;
            if (format == AuditExportFormat.Ndjson)
            {
                await writer.FlushAsync(cancellationToken);
                await output.WriteAsync(CrLf.AsMemory(1), cancellationToken);
                writer.Reset();
            }
            else if (writer.BytesPending > 32 * 1024)
            {
                await writer.FlushAsync(cancellationToken);
            }
        }

        if (format == AuditExportFormat.Json)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await writer.FlushAsync(cancellationToken);
        await output.FlushAsync(cancellationToken);
        return rows;
    }

    private static void WriteEntry(Utf8JsonWriter writer, AuditEntry e)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", e.Id);
        writer.WriteNumber("transaction_id", e.TransactionId);
        writer.WriteString("captured_at", e.CapturedAt);
        writer.WriteString("table_schema", e.TableSchema);
        writer.WriteString("table_name", e.TableName);
        writer.WriteString("op", e.Op);
        Json("row_key", e.RowKey);
        writer.WritePropertyName("changed_fields");
        if (e.ChangedFields is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStartArray();
            foreach (var field in e.ChangedFields)
            {
                writer.WriteStringValue(field);
            }

            writer.WriteEndArray();
        }

        Json("data_before", e.DataBefore);
        Json("data_after", e.DataAfter);
        writer.WriteString("actor_type", e.ActorType);
        writer.WriteString("actor_id", e.ActorId);
        writer.WriteString("on_behalf_of_type", e.OnBehalfOfType);
        writer.WriteString("on_behalf_of_id", e.OnBehalfOfId);
        writer.WriteString("request_id", e.RequestId);
        writer.WriteString("correlation_id", e.CorrelationId);
        writer.WriteString("trace_id", e.TraceId);
        writer.WriteString("job_id", e.JobId);
        writer.WriteString("source", e.Source);
        if (e.ActionId is { } action)
        {
            writer.WriteNumber("action_id", action);
        }
        else
        {
            writer.WriteNull("action_id");
        }

        writer.WriteString("context_refused", e.ContextRefused);

        writer.WriteEndObject();

        void Json(string name, JsonElement? value)
        {
            writer.WritePropertyName(name);
            if (value is { } v)
            {
                v.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    /// <summary>RFC 4180: quote a field holding a comma, quote, CR or LF, doubling its quotes. Null is an empty field.</summary>
    internal static string CsvField(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static async Task WriteLineAsync(Stream output, string line, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
        await output.WriteAsync(CrLf, cancellationToken);
    }
}
