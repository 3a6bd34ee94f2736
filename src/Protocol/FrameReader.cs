using System.Buffers.Binary;
using System.Text;

namespace Omnibus.Protocol;

/// <summary>
/// Reads the fields of one frame's payload. Strict: every length is checked against what is left before anything is
/// allocated, and a short, overlong or invalid field throws <see cref="ProtocolException"/> (MalformedFrame).
/// </summary>
internal ref struct FrameReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _payload;
    private int _position;

    public FrameReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _position = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _payload.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
            {
                break;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Malformed("a varint is longer than 64 bits");
    }

    /// <summary>A varint that must lie in [0, <paramref name="max"/>].</summary>
    public int ReadVarint32(int max, string field)
    {
        var value = ReadVarint();
        return value <= (ulong)max ? (int)value : throw Malformed($"{field} is {value}, above {max}");
    }

    public string ReadString(string field)
    {
        var count = ReadVarint32(Remaining, field + " length");
        return Decode(Take(count), field);
    }

    public string? ReadNullableString(string field)
    {
        var count = ReadVarint32(Remaining + 1, field + " length");
        return count == 0 ? null : Decode(Take(count - 1), field);
    }

    /// <summary>A length-prefixed byte field, copied out of the frame.</summary>
    public byte[] ReadBytes(string field)
    {
        var count = ReadVarint32(Remaining, field + " length");
        return count == 0 ? [] : Take(count).ToArray();
    }

    /// <summary>Checks that the whole payload was read.</summary>
    public readonly void End()
    {
        if (Remaining != 0)
        {
            throw Malformed($"{Remaining} unexpected trailing bytes");
        }
    }

    public static ProtocolException Malformed(string what) => new(ErrorCode.MalformedFrame, "Malformed frame: " + what + ".");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw Malformed($"it ends {count - Remaining} bytes early");
        }

        var span = _payload.Slice(_position, count);
        _position += count;
        return span;
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string field)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed(field + " is not valid UTF-8");
        }
    }
}
