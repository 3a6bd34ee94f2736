using System.Text;
using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>Maps messages to log records and back. The content type is stored as the first header.</summary>
internal static class RecordCodec
{
    public const byte MessageRecord = 1;
    public const byte RetainedFlag = 1;

    /// <summary>The record for <paramref name="message"/>, published at <paramref name="now"/>.</summary>
    /// <exception cref="PublishException">The message is larger than <paramref name="maxBytes"/>.</exception>
    public static LogRecordData ToRecord(string topic, Message message, DateTimeOffset now, int maxBytes)
    {
        var size = message.Body.Length;
        List<LogHeader>? headers = null;
        if (message.ContentType is { } contentType)
        {
            headers = [new LogHeader(HeaderNames.ContentType, Encoding.UTF8.GetBytes(contentType))];
        }

        var retained = false;
        if (message.HasHeaders)
        {
            headers ??= new List<LogHeader>(message.Headers.Count);
            foreach (var (name, value) in message.Headers)
            {
                retained |= name == HeaderNames.Retain && value == "true";
                var bytes = Encoding.UTF8.GetBytes(value);
                size += name.Length + bytes.Length;
                headers.Add(new LogHeader(name, bytes));
            }
        }

        var key = message.Key is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(message.Key);
        size += key?.Length ?? 0;
        if (size > maxBytes)
        {
            throw new PublishException(topic, "embedded", $"Message {message.Id} to '{topic}' is {size} bytes (body, key and headers): allowed is at most {maxBytes} (option maxMessageBytes).");
        }

        var published = message.Timestamp != default ? message.Timestamp : now;
        var visibleAt = message.DeliverAfter is { } delay && delay > TimeSpan.Zero ? now + delay : (DateTimeOffset?)null;
        return new LogRecordData
        {
            RecordType = MessageRecord,
            Flags = retained ? RetainedFlag : (byte)0,
            Timestamp = published.ToUnixTimeMilliseconds(),
            DeliverAt = visibleAt?.ToUnixTimeMilliseconds() ?? 0,
            ExpiresAt = message.TimeToLive is { } ttl ? ((visibleAt ?? now) + ttl).ToUnixTimeMilliseconds() : 0,
            MessageId = message.Id,
            Key = key,
            Headers = headers,
            Body = message.Body,
        };
    }

    /// <summary>The message a record delivers, for delivery attempt <paramref name="attempt"/>.</summary>
    public static Message ToMessage(LogRecord record, string topic, int attempt)
    {
        string? contentType = null;
        var headers = record.Headers;
        var start = 0;
        if (headers.Count > 0 && headers[0].Name == HeaderNames.ContentType)
        {
            contentType = Encoding.UTF8.GetString(headers[0].Value.Span);
            start = 1;
        }

        var message = new Message(record.Body)
        {
            Id = record.MessageId ?? $"{topic}-{record.Offset}",
            Topic = topic,
            Key = record.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null,
            ContentType = contentType,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(record.Timestamp),
            DeliveryAttempt = attempt,
        };
        for (var i = start; i < headers.Count; i++)
        {
            message.Headers[headers[i].Name] = Encoding.UTF8.GetString(headers[i].Value.Span);
        }

        return message;
    }
}
