namespace Omnibus.Protocol;

/// <summary>
/// The message layout inside PUBLISH, PUBLISH_BATCH, DELIVER and PEEK_RESULT: a flags byte saying which optional
/// fields follow, then id, the optional fields in flag order, and the body.
/// </summary>
internal static class MessageCodec
{
    private const byte HasKey = 1;
    private const byte HasContentType = 2;
    private const byte HasTimestamp = 4;
    private const byte HasDeliverAfter = 8;
    private const byte HasTimeToLive = 16;
    private const byte HasIdempotencyId = 32;
    private const byte HasHeaders = 64;
    private const byte KnownFlags = 127;

    public static void WriteMessage(this FrameBuilder builder, Message message)
    {
        var flags = (byte)((message.Key is null ? 0 : HasKey)
            | (message.ContentType is null ? 0 : HasContentType)
            | (message.Timestamp == default ? 0 : HasTimestamp)
            | (message.DeliverAfter is null ? 0 : HasDeliverAfter)
            | (message.TimeToLive is null ? 0 : HasTimeToLive)
            | (message.IdempotencyId is null ? 0 : HasIdempotencyId)
            | (message.HasHeaders ? HasHeaders : 0));
        builder.WriteByte(flags);
        builder.WriteString(message.Id);
        if (message.Key is { } key)
        {
            builder.WriteString(key);
        }

        if (message.ContentType is { } contentType)
        {
            builder.WriteString(contentType);
        }

        if (message.Timestamp != default)
        {
            builder.WriteInt64(message.Timestamp.UtcTicks);
        }

        if (message.DeliverAfter is { } delay)
        {
            builder.WriteInt64(delay.Ticks);
        }

        if (message.TimeToLive is { } ttl)
        {
            builder.WriteInt64(ttl.Ticks);
        }

        if (message.IdempotencyId is { } idempotencyId)
        {
            builder.WriteString(idempotencyId);
        }

        if (message.HasHeaders)
        {
            builder.WriteVarint((ulong)message.Headers.Count);
            foreach (var (name, value) in message.Headers)
            {
                builder.WriteString(name);
                builder.WriteString(value);
            }
        }

        builder.WriteBytes(message.Body.Span);
    }

    /// <summary>Reads a message; <paramref name="topic"/> and <paramref name="attempt"/> are set on it as delivered.</summary>
    public static Message ReadMessage(this ref FrameReader reader, string topic, int attempt)
    {
        var flags = reader.ReadByte();
        if ((flags & ~KnownFlags) != 0)
        {
            throw FrameReader.Malformed($"unknown message flags 0x{flags:X2}");
        }

        var id = reader.ReadString("message id");
        if (id.Length == 0)
        {
            throw FrameReader.Malformed("empty message id");
        }

        var key = (flags & HasKey) != 0 ? reader.ReadString("key") : null;
        var contentType = (flags & HasContentType) != 0 ? reader.ReadString("content type") : null;
        var timestamp = (flags & HasTimestamp) != 0 ? ReadTimestamp(ref reader) : default;
        TimeSpan? deliverAfter = (flags & HasDeliverAfter) != 0 ? ReadDuration(ref reader, "deliver-after") : null;
        TimeSpan? ttl = (flags & HasTimeToLive) != 0 ? ReadDuration(ref reader, "time-to-live") : null;
        var idempotencyId = (flags & HasIdempotencyId) != 0 ? reader.ReadString("idempotency id") : null;
        Dictionary<string, string>? headers = null;
        if ((flags & HasHeaders) != 0)
        {
            // Each header takes at least two bytes, which bounds the count by what the frame holds.
            var count = reader.ReadVarint32(reader.Remaining / 2, "header count");
            headers = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString("header name");
                if (!headers.TryAdd(name, reader.ReadString("header value")))
                {
                    throw FrameReader.Malformed($"header '{name}' repeats");
                }
            }
        }

        var message = new Message(reader.ReadBytes("body"))
        {
            Id = id,
            Topic = topic,
            DeliveryAttempt = attempt,
            Key = key,
            ContentType = contentType,
            Timestamp = timestamp,
            DeliverAfter = deliverAfter,
            TimeToLive = ttl,
            IdempotencyId = idempotencyId,
        };
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                message.Headers[name] = value;
            }
        }

        return message;
    }

    private static DateTimeOffset ReadTimestamp(ref FrameReader reader)
    {
        var ticks = reader.ReadInt64();
        return ticks is > 0 and <= 3155378975999999999 // DateTime.MaxValue.Ticks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : throw FrameReader.Malformed($"timestamp ticks {ticks} out of range");
    }

    private static TimeSpan ReadDuration(ref FrameReader reader, string field)
    {
        var ticks = reader.ReadInt64();
        return ticks >= 0 ? TimeSpan.FromTicks(ticks) : throw FrameReader.Malformed($"{field} is negative");
    }
}
