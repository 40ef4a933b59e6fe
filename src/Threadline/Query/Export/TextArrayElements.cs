using System.Buffers.Binary;

namespace Threadline.Query.Export;

/// <summary>
/// The elements of a one-dimensional <c>text[]</c> value in PostgreSQL's binary array format (dimensions, a null
/// flag, the element type, then each element as a length and its bytes, -1 for NULL), read in place: no
/// <c>string[]</c> and no string per element for every exported row.
/// </summary>
internal ref struct TextArrayElements
{
    private const int HeaderLength = 12;
    private const int DimensionLength = 8;

    private readonly ReadOnlySpan<byte> _raw;
    private int _remaining;
    private int _position;

    /// <param name="raw">The column's bytes as Npgsql received them.</param>
    /// <exception cref="InvalidDataException">The value is not a one-dimensional array or its lengths run past its end.</exception>
    public TextArrayElements(ReadOnlySpan<byte> raw)
    {
        _raw = raw;
        var dimensions = raw.Length >= HeaderLength ? BinaryPrimitives.ReadInt32BigEndian(raw) : -1;
        switch (dimensions)
        {
            case 0:
                _remaining = 0;
                _position = HeaderLength;
                break;
            case 1 when raw.Length >= HeaderLength + DimensionLength:
                _remaining = BinaryPrimitives.ReadInt32BigEndian(raw[HeaderLength..]);
                _position = HeaderLength + DimensionLength;
                if (_remaining < 0)
                {
                    throw Malformed();
                }

                break;
            default:
                throw new InvalidDataException(dimensions > 1
                    ? $"A {dimensions}-dimensional array where the export expects a one-dimensional text[]."
                    : "A text[] value shorter than its binary header.");
        }
    }

    /// <summary>The current element's UTF-8 bytes; empty when it is NULL.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>The current element is SQL NULL (not an empty string).</summary>
    public bool CurrentIsNull { get; private set; }

    /// <summary>Moves to the next element; false after the last.</summary>
    public bool MoveNext()
    {
        if (_remaining == 0)
        {
            if (_position != _raw.Length)
            {
                throw Malformed();
            }

            return false;
        }

        if (_raw.Length - _position < 4)
        {
            throw Malformed();
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(_raw[_position..]);
        _position += 4;
        _remaining--;
        if (length == -1)
        {
            CurrentIsNull = true;
            Current = default;
            return true;
        }

        if (length < 0 || length > _raw.Length - _position)
        {
            throw Malformed();
        }

        CurrentIsNull = false;
        Current = _raw.Slice(_position, length);
        _position += length;
        return true;
    }

    private static InvalidDataException Malformed() => new("A text[] value whose element lengths do not match its bytes.");
}
