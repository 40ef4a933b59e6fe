using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Threadline.Query.Export;

/// <summary>
/// RFC 4180 rows straight into the export buffer: text and JSON columns are copied as the UTF-8 PostgreSQL sent
/// (the JSON columns as <c>jsonb::text</c>), quoted when they hold a comma, quote, CR or LF, quotes doubled; null is
/// an empty field; CRLF line ends.
/// </summary>
internal sealed class CsvExportWriter(ExportBuffer buffer)
{
    private static readonly SearchValues<byte> NeedsQuotes = SearchValues.Create(",\"\r\n"u8);
    private static readonly byte[] Header = Encoding.UTF8.GetBytes(string.Join(',', AuditExporter.Columns) + "\r\n");

    /// <summary>The changed fields of the current row joined, reused from row to row.</summary>
    private readonly List<byte> _joined = new(256);

    public void WriteHeader() => buffer.Write(Header);

    public void WriteRow(ExportRowReader row)
    {
        var reader = row.Reader;
        Number(reader.GetInt64(ExportColumn.Id));
        Comma();
        Number(reader.GetInt64(ExportColumn.TransactionId));
        Comma();
        Time(reader.GetFieldValue<DateTimeOffset>(ExportColumn.CapturedAt));
        Comma();
        Text(row, ExportColumn.TableSchema);
        Comma();
        Text(row, ExportColumn.TableName);
        Comma();
        Text(row, ExportColumn.Op);
        Comma();
        Text(row, ExportColumn.RowKey);
        Comma();
        ChangedFields(row);
        Comma();
        Text(row, ExportColumn.DataBefore);
        Comma();
        Text(row, ExportColumn.DataAfter);
        foreach (var ordinal in ExportColumn.ContextTexts)
        {
            Comma();
            Text(row, ordinal);
        }

        Comma();
        if (!row.IsNull(ExportColumn.ActionId))
        {
            Number(reader.GetInt64(ExportColumn.ActionId));
        }

        Comma();
        Text(row, ExportColumn.ContextRefused);
        buffer.Write("\r\n"u8);
    }

    /// <summary>One field from its UTF-8 bytes: as is, or quoted with its quotes doubled.</summary>
    internal static void WriteField(ExportBuffer buffer, ReadOnlySpan<byte> value)
    {
        if (value.IndexOfAny(NeedsQuotes) < 0)
        {
            buffer.Write(value);
            return;
        }

        buffer.Write((byte)'"');
        int quote;
        while ((quote = value.IndexOf((byte)'"')) >= 0)
        {
            buffer.Write(value[..(quote + 1)]);
            buffer.Write((byte)'"');
            value = value[(quote + 1)..];
        }

        buffer.Write(value);
        buffer.Write((byte)'"');
    }

    private void Comma() => buffer.Write((byte)',');

    private void Text(ExportRowReader row, int ordinal)
    {
        if (!row.IsNull(ordinal))
        {
            WriteField(buffer, row.Text(ordinal));
        }
    }

    /// <summary>The changed fields joined by single spaces, as one field (a NULL element as nothing, as string.Join did).</summary>
    private void ChangedFields(ExportRowReader row)
    {
        if (row.IsNull(ExportColumn.ChangedFields))
        {
            return;
        }

        _joined.Clear();
        var fields = row.TextArray(ExportColumn.ChangedFields);
        var first = true;
        while (fields.MoveNext())
        {
            if (!first)
            {
                _joined.Add((byte)' ');
            }

            _joined.AddRange(fields.Current);
            first = false;
        }

        WriteField(buffer, CollectionsMarshal.AsSpan(_joined));
    }

    private void Number(long value)
    {
        var span = buffer.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        buffer.Advance(written);
    }

    private void Time(DateTimeOffset value)
    {
        var span = buffer.GetSpan(32);
        value.UtcDateTime.TryFormat(span, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        buffer.Advance(written);
    }
}
