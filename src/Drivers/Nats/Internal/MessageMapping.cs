using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// A <see cref="Message"/> as NATS headers and body, and back. Application headers travel verbatim as NATS headers;
/// the id, key and timestamp go in <see cref="NatsHeaderNames"/> headers, the content type in <c>content-type</c>.
/// </summary>
internal static class MessageMapping
{
    public static NatsHeaders ToHeaders(Message message)
    {
        var headers = new NatsHeaders { [NatsHeaderNames.Id] = message.Id };
        if (message.Key is { } key)
        {
            headers[NatsHeaderNames.Key] = key;
        }

        if (message.ContentType is { } contentType)
        {
            headers[HeaderNames.ContentType] = contentType;
        }

        if (message.Timestamp != default)
        {
            headers[NatsHeaderNames.Timestamp] = message.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                headers[name] = value;
            }
        }

        return headers;
    }

    /// <summary>The message a JetStream delivery carries, as delivered from <paramref name="topic"/>.</summary>
    public static Message FromDelivery(INatsJSMsg<byte[]> msg, string topic)
    {
        var metadata = msg.Metadata;
        string? id = null, key = null, contentType = null, msgId = null;
        DateTimeOffset? timestamp = null;
        Dictionary<string, string>? application = null;
        if (msg.Headers is { } headers)
        {
            foreach (var (name, values) in headers)
            {
                var value = values.ToString();
                if (string.Equals(name, NatsHeaderNames.Id, StringComparison.OrdinalIgnoreCase))
                {
                    id = value;
                }
                else if (string.Equals(name, NatsHeaderNames.Key, StringComparison.OrdinalIgnoreCase))
                {
                    key = value;
                }
                else if (string.Equals(name, HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else if (string.Equals(name, NatsHeaderNames.Timestamp, StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
                {
                    timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                }
                else if (string.Equals(name, NatsHeaderNames.MsgId, StringComparison.OrdinalIgnoreCase))
                {
                    // Publishing only (IdempotencyId): passed on, it would make a dead-letter replay a "duplicate".
                    msgId = value;
                }
                else
                {
                    (application ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
                }
            }
        }

        var message = new Message(msg.Data ?? [])
        {
            Id = string.IsNullOrEmpty(id) ? msgId ?? FallbackId(metadata) : id,
            Topic = topic,
            Key = key,
            ContentType = contentType,
            Timestamp = timestamp ?? metadata?.Timestamp ?? DateTimeOffset.UtcNow,
            DeliveryAttempt = metadata is { } m ? (int)Math.Min(m.NumDelivered, int.MaxValue) : 1,
        };
        if (application is not null)
        {
            foreach (var (name, value) in application)
            {
                message.Headers[name] = value;
            }
        }

        return message;
    }

    private static string FallbackId(NatsJSMsgMetadata? metadata) =>
        metadata is { } m ? $"{m.Stream}:{m.Sequence.Stream.ToString(CultureInfo.InvariantCulture)}" : Guid.NewGuid().ToString("N");
}
