using System.Data;
using Npgsql;
using Threadline.Query.Export;
using Threadline.Schema;

namespace Threadline.Query;

/// <summary>The formats <see cref="AuditExporter"/> writes.</summary>
public enum AuditExportFormat
{
    /// <summary>RFC 4180: header row, CRLF line ends, fields quoted when needed; JSON columns as JSON text.</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    Ndjson,

    /// <summary>One JSON document: <c>{"truncated":..., "maxRows":..., "items":[...]}</c>.</summary>
    Json,
}

/// <param name="Rows">Rows written.</param>
/// <param name="Truncated">More rows matched than <c>maxRows</c>; only the oldest <c>maxRows</c> were written.</param>
public sealed record AuditExportResult(long Rows, bool Truncated);

/// <summary>
/// Streams matching changes, oldest first, from the database to a stream: one row in memory at a time, whatever the
/// size, written as the UTF-8 PostgreSQL sent into a buffer handed to the stream in blocks of about 32 KB (whole rows
/// only). The truncation check and the rows come from one read-only snapshot, so the flag is exact and known before
/// the first byte (an HTTP response can carry it as a header). Redaction is whatever capture stored.
/// </summary>
/// <param name="dataSource">Connections as the reader role; each export opens one of its own.</param>
/// <param name="options">The schema and role names of the installation; <see cref="ThreadlineSchemaOptions.Default"/> when omitted.</param>
public sealed class AuditExporter(NpgsqlDataSource dataSource, ThreadlineSchemaOptions? options = null)
{
    /// <summary>The largest <c>maxRows</c> an export accepts.</summary>
    public const int MaxRowsLimit = 1_000_000;

    /// <summary>The columns of every export, in order: the CSV header and the JSON property names.</summary>
    public static readonly string[] Columns =
    [
        "id", "transaction_id", "captured_at", "table_schema", "table_name", "op", "row_key", "changed_fields", "data_before", "data_after",
        "actor_type", "actor_id", "on_behalf_of_type", "on_behalf_of_id", "request_id", "correlation_id", "trace_id", "job_id", "source", "action_id",
        "context_refused",
    ];

    private readonly AuditSql _sql = new(options ?? ThreadlineSchemaOptions.Default);

    /// <summary>The HTTP content type of an export in <paramref name="format"/>.</summary>
    /// <param name="format">The export's format.</param>
    /// <returns><c>text/csv; charset=utf-8; header=present</c>, <c>application/x-ndjson</c> or <c>application/json</c>.</returns>
    public static string ContentType(AuditExportFormat format) => format switch
    {
        AuditExportFormat.Csv => "text/csv; charset=utf-8; header=present",
        AuditExportFormat.Ndjson => "application/x-ndjson",
        _ => "application/json",
    };

    /// <summary>
    /// Writes the changes matching <paramref name="filter"/>, oldest first, up to <paramref name="maxRows"/>, to
    /// <paramref name="output"/>. Reads in one read-only REPEATABLE READ transaction on a connection of its own; changes nothing.
    /// </summary>
    /// <param name="filter">Which changes to export.</param>
    /// <param name="format">CSV, NDJSON or one JSON document.</param>
    /// <param name="output">Where the rows go; written to as they are read and not closed.</param>
    /// <param name="maxRows">At most this many rows (1 to <see cref="MaxRowsLimit"/>); the result says when more matched.</param>
    /// <param name="beforeFirstByte">Called with the truncation flag before anything is written, e.g. to set response headers.</param>
    /// <param name="cancellationToken">Cancels the export; what was already written to <paramref name="output"/> stays there.</param>
    /// <returns>How many rows were written and whether more matched.</returns>
    /// <exception cref="AuditQueryException"><paramref name="maxRows"/> is outside 1 to <see cref="MaxRowsLimit"/>.</exception>
    public async Task<AuditExportResult> ExportAsync(
        AuditFilter filter, AuditExportFormat format, Stream output, int maxRows,
        Func<bool, Task>? beforeFirstByte = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (maxRows is < 1 or > MaxRowsLimit)
        {
            throw new AuditQueryException(AuditQueryError.Malformed, "maxRows", $"'maxRows' must be from 1 to {MaxRowsLimit}.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

        bool truncated;
        await using (var probe = new NpgsqlCommand { Connection = connection, Transaction = transaction })
        {
            probe.CommandText = $"SELECT EXISTS (SELECT 1 {_sql.FromWhere(filter, null, AuditOrder.OldestFirst, probe.Parameters)} OFFSET {maxRows})";
            truncated = (bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (beforeFirstByte is not null)
        {
            await beforeFirstByte(truncated).ConfigureAwait(false);
        }

        long rows;
        await using (var command = new NpgsqlCommand { Connection = connection, Transaction = transaction })
        {
            command.CommandText = $"SELECT {_sql.EntryColumns} {_sql.FromWhere(filter, null, AuditOrder.OldestFirst, command.Parameters)} {AuditSql.OrderBy(AuditOrder.OldestFirst)} LIMIT {maxRows}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            rows = format switch
            {
                AuditExportFormat.Csv => await WriteCsvAsync(reader, output, cancellationToken).ConfigureAwait(false),
                _ => await WriteJsonAsync(reader, output, format, truncated, maxRows, cancellationToken).ConfigureAwait(false),
            };
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        ThreadlineTelemetry.ExportedRows.Add(rows, new KeyValuePair<string, object?>("format", format.ToString().ToLowerInvariant()));
        return new AuditExportResult(rows, truncated);
    }

    private static async Task<long> WriteCsvAsync(NpgsqlDataReader reader, Stream output, CancellationToken cancellationToken)
    {
        using var buffer = new ExportBuffer();
        var csv = new CsvExportWriter(buffer);
        var row = new ExportRowReader(reader);
        csv.WriteHeader();
        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            csv.WriteRow(row);
            rows++;
            await buffer.FlushIfFullAsync(output, cancellationToken).ConfigureAwait(false);
        }

        await buffer.FlushAsync(output, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    private static async Task<long> WriteJsonAsync(NpgsqlDataReader reader, Stream output, AuditExportFormat format, bool truncated, int maxRows, CancellationToken cancellationToken)
    {
        using var buffer = new ExportBuffer();
        using var json = new JsonExportWriter(buffer);
        var row = new ExportRowReader(reader);
        if (format == AuditExportFormat.Json)
        {
            json.WriteDocumentStart(truncated, maxRows);
        }

        long rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            json.WriteRow(row);
            if (format == AuditExportFormat.Ndjson)
            {
                json.EndLine();
            }

            rows++;
            await buffer.FlushIfFullAsync(output, cancellationToken).ConfigureAwait(false);
        }

        if (format == AuditExportFormat.Json)
        {
            json.WriteDocumentEnd();
        }

        await buffer.FlushAsync(output, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }
}
