using System.Buffers.Binary;
using System.Text;

namespace Omnibus.Embedded.Internal.Storage;

/// <summary>
/// The binary layout of one stored record (little-endian; see docs/storage.md):
/// <c>u32 length | u32 crc32c | u8 version | u8 attributes | u8 type | u8 flags | i64 offset |
/// i64 timestamp | [i64 deliverAt] | [i64 expiresAt] | [u8 n, messageId] | [i32 n, key] |
/// [u16 count, (u16 n, name, i32 n, value)*] | body</c>. The length counts the bytes after itself; the
/// checksum covers everything after itself; optional fields are present when their attribute bit is set.
/// Thread-safe: all members are pure functions.
/// </summary>
internal static class RecordFormat
{
    /// <summary>Size of the fields every record has.</summary>
    public const int FixedSize = 28;

    /// <summary>Largest encoded record the format accepts (64 MiB); also the sanity bound of a length prefix.</summary>
    public const int MaxEncodedLength = 64 * 1024 * 1024;

    /// <summary>The format version written by this code.</summary>
    public const byte CurrentVersion = 1;

    private const int ChecksumStart = 8;
    private const int OffsetPosition = 12;
    private const byte HasKey = 0x01;
    private const byte HasDeliverAt = 0x02;
    private const byte HasExpiresAt = 0x04;
    private const byte HasMessageId = 0x08;
    private const byte HasHeaders = 0x10;
    private const byte KnownAttributes = HasKey | HasDeliverAt | HasExpiresAt | HasMessageId | HasHeaders;

    /// <summary>
    /// Returns the encoded size of <paramref name="data"/>, or throws <see cref="ArgumentException"/> naming
    /// the field that cannot be stored.
    /// </summary>
    public static int GetEncodedLength(in LogRecordData data)
    {
        long length = FixedSize;
        if (data.DeliverAt != 0)
        {
            length += 8;
        }

        if (data.ExpiresAt != 0)
        {
            length += 8;
        }

        if (data.MessageId is { } messageId)
        {
            var idBytes = Encoding.UTF8.GetByteCount(messageId);
            if (idBytes > byte.MaxValue)
            {
                throw new ArgumentException(
                    $"The message id is {idBytes} UTF-8 bytes long; at most {byte.MaxValue} are allowed.", nameof(data));
            }

            length += 1 + idBytes;
        }

        if (data.Key is { } key)
        {
            length += 4 + key.Length;
        }

        if (data.Headers is { Count: > 0 } headers)
        {
            if (headers.Count > ushort.MaxValue)
            {
                throw new ArgumentException(
                    $"The record has {headers.Count} headers; at most {ushort.MaxValue} are allowed.", nameof(data));
            }

            length += 2;
            foreach (var header in headers)
            {
                var nameBytes = Encoding.UTF8.GetByteCount(header.Name
                    ?? throw new ArgumentException("A header name is null; header names are required.", nameof(data)));
                if (nameBytes > ushort.MaxValue)
                {
                    throw new ArgumentException(
                        $"Header name '{header.Name[..32]}…' is {nameBytes} UTF-8 bytes long; at most {ushort.MaxValue} are allowed.", nameof(data));
                }

                length += 2 + nameBytes + 4 + header.Value.Length;
            }
        }

        length += data.Body.Length;
        if (length > MaxEncodedLength)
        {
            throw new ArgumentException(
                $"The record encodes to {length} bytes; the storage format allows at most {MaxEncodedLength}.", nameof(data));
        }

        return (int)length;
    }

    /// <summary>Writes <paramref name="data"/> with <paramref name="offset"/> into <paramref name="destination"/>, whose length must be <see cref="GetEncodedLength"/>.</summary>
    public static void Write(Span<byte> destination, in LogRecordData data, long offset)
    {
        var headers = data.Headers is { Count: > 0 } h ? h : null;
        var attributes = (byte)((data.Key is null ? 0 : HasKey) | (data.DeliverAt == 0 ? 0 : HasDeliverAt)
            | (data.ExpiresAt == 0 ? 0 : HasExpiresAt) | (data.MessageId is null ? 0 : HasMessageId)
            | (headers is null ? 0 : HasHeaders));

        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(destination.Length - 4));
        destination[8] = CurrentVersion;
        destination[9] = attributes;
        destination[10] = data.RecordType;
        destination[11] = data.Flags;
        BinaryPrimitives.WriteInt64LittleEndian(destination[OffsetPosition..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[20..], data.Timestamp);
        var rest = destination[FixedSize..];
        if (data.DeliverAt != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(rest, data.DeliverAt);
            rest = rest[8..];
        }

        if (data.ExpiresAt != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(rest, data.ExpiresAt);
            rest = rest[8..];
        }

        if (data.MessageId is { } messageId)
        {
            rest[0] = (byte)Encoding.UTF8.GetBytes(messageId, rest[1..]);
            rest = rest[(1 + rest[0])..];
        }

        if (data.Key is { } key)
        {
            rest = WriteBytes(rest, key.Span);
        }

        if (headers is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(rest, (ushort)headers.Count);
            rest = rest[2..];
            foreach (var header in headers)
            {
                var nameLength = Encoding.UTF8.GetBytes(header.Name, rest[2..]);
                BinaryPrimitives.WriteUInt16LittleEndian(rest, (ushort)nameLength);
                rest = WriteBytes(rest[(2 + nameLength)..], header.Value.Span);
            }
        }

        data.Body.Span.CopyTo(rest);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C.Compute(destination[ChecksumStart..]));
    }

    /// <summary>
    /// Validates the record at the start of <paramref name="source"/>: its length prefix, checksum and
    /// version. <see cref="LogCorruptionReason.Torn"/> means <paramref name="source"/> ends inside the record.
    /// </summary>
    public static LogCorruptionReason Check(ReadOnlySpan<byte> source, out int encodedLength)
    {
        encodedLength = 0;
        if (source.Length < 4)
        {
            return LogCorruptionReason.Torn;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (length < FixedSize - 4 || length > MaxEncodedLength - 4)
        {
            return LogCorruptionReason.InvalidLength;
        }

        encodedLength = (int)length + 4;
        if (source.Length < encodedLength)
        {
            return LogCorruptionReason.Torn;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if (Crc32C.Compute(source[ChecksumStart..encodedLength]) != stored)
        {
            return LogCorruptionReason.ChecksumMismatch;
        }

        return source[8] != CurrentVersion || (source[9] & ~KnownAttributes) != 0
            ? LogCorruptionReason.UnsupportedVersion
            : LogCorruptionReason.None;
    }

    /// <summary>Reads the offset field of a record whose first <see cref="FixedSize"/> bytes are in <paramref name="source"/>.</summary>
    public static long ReadOffset(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadInt64LittleEndian(source[OffsetPosition..]);

    /// <summary>Cheap test, before any checksum, that a record could start at <paramref name="source"/> (used to resynchronise after damage).</summary>
    public static bool LooksLikeRecordStart(ReadOnlySpan<byte> source, long minOffset, long maxOffset)
    {
        if (source.Length < FixedSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(source);
        var offset = ReadOffset(source);
        return length >= FixedSize - 4 && length <= MaxEncodedLength - 4 && source[8] == CurrentVersion
            && (source[9] & ~KnownAttributes) == 0 && offset >= minOffset && offset <= maxOffset;
    }

    /// <summary>Decodes a record already validated by <see cref="Check"/>; false when its fields do not fit its length.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> frame, out LogRecord? record)
    {
        record = null;
        var attributes = frame[9];
        var storage = frame[FixedSize..].ToArray();
        var reader = new FieldReader(storage);
        var deliverAt = (attributes & HasDeliverAt) != 0 && reader.TryInt64(out var d) ? d : 0;
        var expiresAt = (attributes & HasExpiresAt) != 0 && reader.TryInt64(out var e) ? e : 0;
        string? messageId = null;
        if ((attributes & HasMessageId) != 0)
        {
            if (!reader.TryByte(out var idLength) || !reader.TrySlice(idLength, out var id))
            {
                return false;
            }

            messageId = Encoding.UTF8.GetString(id.Span);
        }

        ReadOnlyMemory<byte>? key = null;
        if ((attributes & HasKey) != 0)
        {
            if (!reader.TryInt32(out var keyLength) || !reader.TrySlice(keyLength, out var keyBytes))
            {
                return false;
            }

            key = keyBytes;
        }

        IReadOnlyList<LogHeader> headers = [];
        if ((attributes & HasHeaders) != 0)
        {
            if (!reader.TryUInt16(out var count))
            {
                return false;
            }

            var list = new LogHeader[count];
            for (var i = 0; i < count; i++)
            {
                if (!reader.TryUInt16(out var nameLength) || !reader.TrySlice(nameLength, out var name)
                    || !reader.TryInt32(out var valueLength) || !reader.TrySlice(valueLength, out var value))
                {
                    return false;
                }

                list[i] = new LogHeader(Encoding.UTF8.GetString(name.Span), value);
            }

            headers = list;
        }

        if (!reader.IsValid)
        {
            return false;
        }

        record = new LogRecord
        {
            Offset = ReadOffset(frame),
            RecordType = frame[10],
            Flags = frame[11],
            Timestamp = BinaryPrimitives.ReadInt64LittleEndian(frame[20..]),
            DeliverAt = deliverAt,
            ExpiresAt = expiresAt,
            MessageId = messageId,
            Key = key,
            Headers = headers,
            Body = reader.Remaining,
            EncodedLength = frame.Length,
        };
        return true;
    }

    private static Span<byte> WriteBytes(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, value.Length);
        value.CopyTo(destination[4..]);
        return destination[(4 + value.Length)..];
    }

    /// <summary>Bounds-checked sequential reader over the variable part of a record.</summary>
    private struct FieldReader(byte[] storage)
    {
        private int _position;

        public bool IsValid { get; private set; } = true;

        public readonly ReadOnlyMemory<byte> Remaining => storage.AsMemory(_position);

        public bool TryByte(out int value)
        {
            value = TrySlice(1, out var slice) ? slice.Span[0] : 0;
            return IsValid;
        }

        public bool TryUInt16(out int value)
        {
            value = TrySlice(2, out var slice) ? BinaryPrimitives.ReadUInt16LittleEndian(slice.Span) : 0;
            return IsValid;
        }

        public bool TryInt32(out int value)
        {
            value = TrySlice(4, out var slice) ? BinaryPrimitives.ReadInt32LittleEndian(slice.Span) : 0;
            return IsValid;
        }

        public bool TryInt64(out long value)
        {
            value = TrySlice(8, out var slice) ? BinaryPrimitives.ReadInt64LittleEndian(slice.Span) : 0;
            return IsValid;
        }

        public bool TrySlice(int length, out ReadOnlyMemory<byte> slice)
        {
            if (!IsValid || length < 0 || length > storage.Length - _position)
            {
                IsValid = false;
                slice = default;
                return false;
            }

            slice = storage.AsMemory(_position, length);
            _position += length;
            return true;
        }
    }
}
