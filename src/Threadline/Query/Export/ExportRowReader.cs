using System.Text.Unicode;
using Npgsql;

namespace Threadline.Query.Export;

/// <summary>
/// Reads text, JSON and <c>text[]</c> columns of the current row as the bytes PostgreSQL sent, into reused scratch
/// arrays: no string, no JSON document, no array per value. A span is valid until the next read of the same kind.
/// </summary>
internal sealed class ExportRowReader(NpgsqlDataReader reader)
{
    private byte[] _textScratch = new byte[4096];
    private byte[] _arrayScratch = new byte[1024];

    public NpgsqlDataReader Reader => reader;

    public bool IsNull(int ordinal) => reader.IsDBNull(ordinal);

    /// <summary>The column's text as UTF-8 (the connection's client encoding), checked to be valid UTF-8.</summary>
    public ReadOnlySpan<byte> Text(int ordinal)
    {
        var text = Raw(ordinal, ref _textScratch);
        if (!Utf8.IsValid(text))
        {
            throw NotUtf8(ordinal);
        }

        return text;
    }

    /// <summary>
    /// The elements of a one-dimensional <c>text[]</c> column (its binary format, as Npgsql received it), each checked
    /// to be valid UTF-8; read them before the next <see cref="TextArray"/> call.
    /// </summary>
    public TextArrayElements TextArray(int ordinal)
    {
        var raw = Raw(ordinal, ref _arrayScratch);
        var invalidUtf8 = false;
        try
        {
            var check = new TextArrayElements(raw);
            while (check.MoveNext())
            {
                invalidUtf8 |= !Utf8.IsValid(check.Current);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"Column '{reader.GetName(ordinal)}' of change {reader.GetInt64(ExportColumn.Id)}: {ex.Message} The export stops rather than write it altered.", ex);
        }

        if (invalidUtf8)
        {
            throw NotUtf8(ordinal);
        }

        return new TextArrayElements(raw);
    }

    private ReadOnlySpan<byte> Raw(int ordinal, ref byte[] scratch)
    {
        var length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }

        var read = (int)reader.GetBytes(ordinal, 0, scratch, 0, length);
        return scratch.AsSpan(0, read);
    }

    private InvalidDataException NotUtf8(int ordinal) =>
        new($"Column '{reader.GetName(ordinal)}' of change {reader.GetInt64(ExportColumn.Id)} is not valid UTF-8; the export stops rather than write it altered.");
}
