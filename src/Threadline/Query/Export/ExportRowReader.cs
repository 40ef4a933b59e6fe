using System.Text.Unicode;
using Npgsql;

namespace Threadline.Query.Export;

/// <summary>
/// Reads text and JSON columns of the current row as the UTF-8 bytes PostgreSQL sent, into one reused scratch
/// array: no string, no JSON document per value. A span is valid until the next read.
/// </summary>
internal sealed class ExportRowReader(NpgsqlDataReader reader)
{
    private byte[] _scratch = new byte[4096];

    public NpgsqlDataReader Reader => reader;

    public bool IsNull(int ordinal) => reader.IsDBNull(ordinal);

    /// <summary>The column's text as UTF-8 (the connection's client encoding), checked to be valid UTF-8.</summary>
    public ReadOnlySpan<byte> Text(int ordinal)
    {
        var length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        var read = (int)reader.GetBytes(ordinal, 0, _scratch, 0, length);
        var text = _scratch.AsSpan(0, read);
        if (!Utf8.IsValid(text))
        {
            throw new InvalidDataException($"Column '{reader.GetName(ordinal)}' of change {reader.GetInt64(ExportColumn.Id)} is not valid UTF-8; the export stops rather than write it altered.");
        }

        return text;
    }
}
