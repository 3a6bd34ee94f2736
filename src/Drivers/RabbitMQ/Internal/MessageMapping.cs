using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// Message ↔ AMQP basic properties. Id, content type and timestamp (whole seconds: AMQP's resolution) travel as
/// properties, application headers as the headers table; the key, expiry and attempt count as omnibus-* headers
/// when the routing key cannot carry them.
/// </summary>
internal static class MessageMapping
{
    /// <summary>The routing key a message is published to its topic's exchange with.</summary>
    public static string RoutingKeyOf(Message message) => message.GetHeader(RabbitMqHeaders.RoutingKey) ?? message.Key ?? string.Empty;

    /// <summary>Properties for publishing <paramref name="message"/>; <paramref name="keyInHeader"/> forces the key into a header.</summary>
    public static BasicProperties ToProperties(Message message, DateTimeOffset now, bool keyInHeader, int deliveryAttempt, TimeSpan? expiration, DateTimeOffset? expiresAt)
    {
        var timestamp = message.Timestamp != default ? message.Timestamp : now;
        var properties = new BasicProperties
        {
            MessageId = message.Id,
            ContentType = message.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(timestamp.ToUnixTimeSeconds()),
        };
        if (expiration is { } ttl)
        {
            properties.Expiration = Math.Max(0, (long)Math.Ceiling(ttl.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        }

        // Most messages carry no header: the dictionary is made only for one that does.
        Dictionary<string, object?>? headers = null;
        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                if (name != RabbitMqHeaders.RoutingKey)
                {
                    (headers ??= new(StringComparer.Ordinal))[name] = Encoding.UTF8.GetBytes(value);
                }
            }
        }

        if (message.Key is { } key && (keyInHeader || RoutingKeyOf(message) != key))
        {
            (headers ??= new(StringComparer.Ordinal))[RabbitMqHeaders.Key] = Encoding.UTF8.GetBytes(key);
        }

        if (expiresAt is { } at)
        {
            (headers ??= new(StringComparer.Ordinal))[RabbitMqHeaders.ExpiresAt] = at.ToUnixTimeMilliseconds();
        }

        if (deliveryAttempt > 1)
        {
            (headers ??= new(StringComparer.Ordinal))[HeaderNames.DeliveryAttempt] = deliveryAttempt;
        }

        properties.Headers = headers;
        return properties;
    }

    /// <summary>The message a consumer of <paramref name="topic"/> receives; <paramref name="body"/> must be a copy.</summary>
    public static Message FromDelivery(string topic, string routingKey, bool redelivered, IReadOnlyBasicProperties properties, byte[] body, out DateTimeOffset? expiresAt)
    {
        string? key = null;
        var attempt = 1;
        var deadLettered = false;
        expiresAt = null;
        Dictionary<string, string>? headers = null;
        if (properties.Headers is { } table)
        {
            foreach (var (name, raw) in table)
            {
                switch (name)
                {
                    case RabbitMqHeaders.Key:
                        key = AsString(raw);
                        break;
                    case HeaderNames.DeliveryAttempt:
                        attempt = AsInt64(raw) is { } a and >= 1 and <= int.MaxValue ? (int)a : 1;
                        break;
                    case RabbitMqHeaders.ExpiresAt:
                        expiresAt = AsInt64(raw) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
                        break;
                    case "x-death":
                        deadLettered = true;
                        break;
                    default:
                        if (AsString(raw) is { } text)
                        {
                            (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = text;
                        }

                        break;
                }
            }
        }

        // A message that went through a TTL queue has the queue's name as routing key: only the header holds its key.
        key ??= deadLettered || routingKey.Length == 0 ? null : routingKey;
        var message = new Message(body)
        {
            Id = string.IsNullOrEmpty(properties.MessageId) ? Guid.NewGuid().ToString("N") : properties.MessageId,
            Topic = topic,
            Key = key,
            ContentType = properties.ContentType,
            Timestamp = properties.IsTimestampPresent() ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime) : default,
            DeliveryAttempt = redelivered ? attempt + 1 : attempt,
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

    private static string? AsString(object? raw) => raw switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string s => s,
        null => null,
        bool or int or long or short or byte or sbyte or uint or ushort or ulong or float or double or decimal =>
            Convert.ToString(raw, CultureInfo.InvariantCulture),
        AmqpTimestamp t => t.UnixTime.ToString(CultureInfo.InvariantCulture),
        _ => null, // tables and arrays (e.g. x-death) have no string form
    };

    private static long? AsInt64(object? raw) => raw switch
    {
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        byte[] bytes when long.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) => v,
        _ => null,
    };
}
