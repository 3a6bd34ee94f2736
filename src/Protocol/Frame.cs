using System.Buffers.Binary;

namespace Omnibus.Protocol;

/// <summary>
/// Frame layout: <c>[u32 length][u8 opcode][u32 request id][payload]</c>, little-endian, where length counts everything
/// after itself (so at least <see cref="MinLength"/>). Both sides check the length against their limit before
/// buffering the frame.
/// </summary>
internal static class Frame
{
    /// <summary>The protocol version spoken by this build.</summary>
    public const ushort Version = 1;

    /// <summary>Bytes before the payload: length, opcode, request id.</summary>
    public const int HeaderSize = 9;

    /// <summary>The smallest valid length field: opcode and request id, empty payload.</summary>
    public const int MinLength = 5;

    /// <summary>Default limit of one frame, header included.</summary>
    public const int DefaultMaxFrameBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Reads a frame header from at least <see cref="HeaderSize"/> bytes and checks it: the total frame size
    /// (header included) must be within <paramref name="maxFrameBytes"/>, and the opcode one <paramref name="isValid"/>
    /// accepts. Throws <see cref="ProtocolException"/> otherwise, so a bad frame is refused before it is buffered.
    /// </summary>
    public static (int TotalSize, byte Opcode, uint RequestId) ReadHeader(ReadOnlySpan<byte> header, int maxFrameBytes, Func<byte, bool> isValid)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length < MinLength)
        {
            throw new ProtocolException(ErrorCode.MalformedFrame, $"Frame length {length} is below the minimum of {MinLength}.");
        }

        if (length > (uint)(maxFrameBytes - 4))
        {
            throw new ProtocolException(ErrorCode.FrameTooLarge, $"Frame of {(ulong)length + 4} bytes exceeds MaxFrameBytes ({maxFrameBytes}).");
        }

        var opcode = header[4];
        if (!isValid(opcode))
        {
            throw new ProtocolException(ErrorCode.UnknownOpcode, $"Unknown opcode 0x{opcode:X2}.");
        }

        return ((int)length + 4, opcode, BinaryPrimitives.ReadUInt32LittleEndian(header[5..]));
    }
}
