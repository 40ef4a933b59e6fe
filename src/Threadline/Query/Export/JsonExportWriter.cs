using System.Text.Json;

namespace Threadline.Query.Export;

/// <summary>
/// Export rows as JSON objects through a <see cref="Utf8JsonWriter"/> on the export buffer: scalar columns from
/// their UTF-8 bytes, the JSON columns copied token by token (<see cref="JsonTokenCopier"/>). The bytes are those the
/// exporter wrote when it went through <see cref="AuditEntry"/>.
/// </summary>
internal sealed class JsonExportWriter(ExportBuffer buffer) : IDisposable
{
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText TransactionId = JsonEncodedText.Encode("transaction_id");
    private static readonly JsonEncodedText CapturedAt = JsonEncodedText.Encode("captured_at");
    private static readonly JsonEncodedText TableSchema = JsonEncodedText.Encode("table_schema");
    private static readonly JsonEncodedText TableName = JsonEncodedText.Encode("table_name");
    private static readonly JsonEncodedText Op = JsonEncodedText.Encode("op");
    private static readonly JsonEncodedText RowKey = JsonEncodedText.Encode("row_key");
    private static readonly JsonEncodedText ChangedFields = JsonEncodedText.Encode("changed_fields");
    private static readonly JsonEncodedText DataBefore = JsonEncodedText.Encode("data_before");
    private static readonly JsonEncodedText DataAfter = JsonEncodedText.Encode("data_after");
    private static readonly JsonEncodedText ActionId = JsonEncodedText.Encode("action_id");
    private static readonly JsonEncodedText ContextRefused = JsonEncodedText.Encode("context_refused");

    /// <summary>actor_type .. source, in the order of <see cref="ExportColumn.ContextTexts"/>.</summary>
    private static readonly JsonEncodedText[] ContextTexts =
        [.. new[] { "actor_type", "actor_id", "on_behalf_of_type", "on_behalf_of_id", "request_id", "correlation_id", "trace_id", "job_id", "source" }.Select(name => JsonEncodedText.Encode(name))];

    // One level for the document of the json format, one for its items, one for the row: then the values.
    private readonly Utf8JsonWriter _writer = new(buffer, new JsonWriterOptions { MaxDepth = JsonTokenCopier.MaxDepth + 3 });

    /// <summary>The json format's opening: <c>{"truncated":...,"maxRows":...,"items":[</c>.</summary>
    public void WriteDocumentStart(bool truncated, int maxRows)
    {
        _writer.WriteStartObject();
        _writer.WriteBoolean("truncated", truncated);
        _writer.WriteNumber("maxRows", maxRows);
        _writer.WriteStartArray("items");
        _writer.Flush();
    }

    public void WriteDocumentEnd()
    {
        _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
    }

    /// <summary>One row as a JSON object, committed to the buffer.</summary>
    public void WriteRow(ExportRowReader row)
    {
        var reader = row.Reader;
        var w = _writer;
        w.WriteStartObject();
        w.WriteNumber(Id, reader.GetInt64(ExportColumn.Id));
        w.WriteNumber(TransactionId, reader.GetInt64(ExportColumn.TransactionId));
        w.WriteString(CapturedAt, reader.GetFieldValue<DateTimeOffset>(ExportColumn.CapturedAt));
        Text(row, TableSchema, ExportColumn.TableSchema);
        Text(row, TableName, ExportColumn.TableName);
        Text(row, Op, ExportColumn.Op);
        Json(row, RowKey, ExportColumn.RowKey);
        w.WritePropertyName(ChangedFields);
        if (row.IsNull(ExportColumn.ChangedFields))
        {
            w.WriteNullValue();
        }
        else
        {
            // A NULL element is written as null, as a null string was.
            w.WriteStartArray();
            var fields = row.TextArray(ExportColumn.ChangedFields);
            while (fields.MoveNext())
            {
                if (fields.CurrentIsNull)
                {
                    w.WriteNullValue();
                }
                else
                {
                    w.WriteStringValue(fields.Current);
                }
            }

            w.WriteEndArray();
        }

        Json(row, DataBefore, ExportColumn.DataBefore);
        Json(row, DataAfter, ExportColumn.DataAfter);
        for (var i = 0; i < ContextTexts.Length; i++)
        {
            Text(row, ContextTexts[i], ExportColumn.ContextTexts[i]);
        }

        if (row.IsNull(ExportColumn.ActionId))
        {
            w.WriteNull(ActionId);
        }
        else
        {
            w.WriteNumber(ActionId, reader.GetInt64(ExportColumn.ActionId));
        }

        Text(row, ContextRefused, ExportColumn.ContextRefused);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>Ends an NDJSON line: the next object starts a new top-level value.</summary>
    public void EndLine()
    {
        buffer.Write((byte)'\n');
        _writer.Reset();
    }

    public void Dispose() => _writer.Dispose();

    private void Text(ExportRowReader row, JsonEncodedText name, int ordinal)
    {
        if (row.IsNull(ordinal))
        {
            _writer.WriteNull(name);
        }
        else
        {
            _writer.WriteString(name, row.Text(ordinal));
        }
    }

    private void Json(ExportRowReader row, JsonEncodedText name, int ordinal)
    {
        _writer.WritePropertyName(name);
        if (row.IsNull(ordinal))
        {
            _writer.WriteNullValue();
        }
        else
        {
            JsonTokenCopier.Copy(row.Text(ordinal), _writer);
        }
    }
}
