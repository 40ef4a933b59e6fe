using System.Buffers;

namespace Threadline.Query.Export;

/// <summary>
/// The export's output buffer: rows are written into a pooled array and handed to the stream in blocks of at least
/// <see cref="FlushThreshold"/> bytes instead of a write per row (a write per row is a syscall per row for a file or
/// standard output, a chunk per row for an HTTP response). Only whole rows are ever flushed.
/// </summary>
internal sealed class ExportBuffer : IBufferWriter<byte>, IDisposable
{
    public const int FlushThreshold = 32 * 1024;
    private const int InitialCapacity = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _written)
        {
            throw new InvalidOperationException("Advanced past the end of the export buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void Write(byte value)
    {
        GetSpan(1)[0] = value;
        _written++;
    }

    /// <summary>Hands the buffered rows to the stream once there are enough of them; call between rows.</summary>
    public ValueTask FlushIfFullAsync(Stream output, CancellationToken cancellationToken) =>
        _written >= FlushThreshold ? FlushAsync(output, cancellationToken) : ValueTask.CompletedTask;

    public async ValueTask FlushAsync(Stream output, CancellationToken cancellationToken)
    {
        if (_written > 0)
        {
            await output.WriteAsync(WrittenMemory, cancellationToken).ConfigureAwait(false);
            _written = 0;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        // A row larger than the free space (a big JSON image): grow; the pool gives the array back after the export.
        var larger = ArrayPool<byte>.Shared.Rent(checked(Math.Max(_buffer.Length * 2, _written + needed)));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
