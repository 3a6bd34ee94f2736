using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Omnibus.Protocol;

/// <summary>
/// Encodes frames back to back into one pooled, growing buffer. Call <see cref="Begin"/>, write the fields, then
/// <see cref="End"/>, which fills in the length. Not thread-safe: <see cref="Outbox"/> serializes access.
/// </summary>
internal sealed class FrameBuilder : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public FrameBuilder(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The frames written so far.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>Starts a frame; returns its start, to pass to <see cref="End"/>.</summary>
    public int Begin(Opcode opcode, uint requestId)
    {
        var start = _length;
        var span = Reserve(Frame.HeaderSize);
        span[4] = (byte)opcode;
        BinaryPrimitives.WriteUInt32LittleEndian(span[5..], requestId);
        _length += Frame.HeaderSize;
        return start;
    }

    /// <summary>Finishes the frame begun at <paramref name="start"/>; returns its size, header included.</summary>
    public int End(int start)
    {
        var size = _length - start;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(start), (uint)(size - 4));
        return size;
    }

    /// <summary>Drops a frame begun at <paramref name="start"/> (encoding failed half way).</summary>
    public void Abandon(int start) => _length = start;

    /// <summary>Forgets everything written; keeps the buffer unless one large frame grew it past 256 KiB.</summary>
    public void Reset()
    {
        _length = 0;
        if (_buffer.Length > 256 * 1024)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(4096);
        }
    }

    public void WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        _length++;
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);
        _length += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        _length += 8;
    }

    /// <summary>Unsigned LEB128: 7 bits a byte, low first, high bit set on all but the last.</summary>
    public void WriteVarint(ulong value)
    {
        var span = Reserve(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _length += i;
    }

    /// <summary>A string: varint byte count, then UTF-8.</summary>
    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max < 128)
        {
            // One length byte suffices: encode in place, then write the length in front.
            var span = Reserve(max + 1);
            var count = Encoding.UTF8.GetBytes(value, span[1..]);
            span[0] = (byte)count;
            _length += count + 1;
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)bytes);
        Encoding.UTF8.GetBytes(value, Reserve(bytes));
        _length += bytes;
    }

    /// <summary>A string that may be null: varint (byte count + 1), 0 for null, then UTF-8.</summary>
    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)bytes + 1);
        Encoding.UTF8.GetBytes(value, Reserve(bytes));
        _length += bytes;
    }

    /// <summary>Bytes: varint count, then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
        _length += value.Length;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        return _buffer.AsSpan(_length);
    }
}
