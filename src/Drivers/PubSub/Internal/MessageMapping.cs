using System.Globalization;
using System.Text;
using Google.Protobuf;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// A <see cref="Message"/> as a Pub/Sub message, and back: the body is the data, the key the ordering key,
/// application headers attributes of the same name; the id, timestamp and content type are attributes too
/// (<see cref="PubSubAttributeNames"/>, <c>content-type</c>).
/// </summary>
internal static class MessageMapping
{
    /// <summary>Pub/Sub's limit on an attribute value, in bytes.</summary>
    public const int MaxAttributeValueBytes = 1024;

    public static PubsubMessage ToWire(Message message)
    {
        var wire = new PubsubMessage { Data = ByteString.CopyFrom(message.Body.Span) };
        wire.Attributes[PubSubAttributeNames.Id] = message.Id;
        if (message.Key is { } key)
        {
            wire.OrderingKey = key;
        }

        if (message.ContentType is { } contentType)
        {
            wire.Attributes[HeaderNames.ContentType] = contentType;
        }

        if (message.Timestamp != default)
        {
            wire.Attributes[PubSubAttributeNames.Timestamp] = message.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                // The core's error text on a dead letter can be long: cut to what an attribute holds, not refused.
                wire.Attributes[name] = name == HeaderNames.ErrorMessage ? Truncate(value) : value;
            }
        }

        return wire;
    }

    /// <summary>The bytes the message counts against a publish request's limit.</summary>
    public static int SizeOf(PubsubMessage wire) => wire.CalculateSize();

    /// <summary>The message a received Pub/Sub message carries, as delivered from <paramref name="topic"/>.</summary>
    public static Message FromWire(ReceivedMessage received, string topic, int attempt)
    {
        var wire = received.Message;
        string? id = null, contentType = null;
        DateTimeOffset? timestamp = null;
        List<KeyValuePair<string, string>>? application = null;
        foreach (var (name, value) in wire.Attributes)
        {
            switch (name)
            {
                case PubSubAttributeNames.Id:
                    id = value;
                    break;
                case HeaderNames.ContentType:
                    contentType = value;
                    break;
                case PubSubAttributeNames.Timestamp when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms):
                    timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    break;
                default:
                    (application ??= []).Add(new(name, value));
                    break;
            }
        }

        var message = new Message(wire.Data.ToByteArray())
        {
            Id = string.IsNullOrEmpty(id) ? wire.MessageId : id,
            Topic = topic,
            Key = string.IsNullOrEmpty(wire.OrderingKey) ? null : wire.OrderingKey,
            ContentType = contentType,
            Timestamp = timestamp ?? (wire.PublishTime is { } published ? published.ToDateTimeOffset() : DateTimeOffset.UtcNow),
            DeliveryAttempt = attempt,
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

    private static string Truncate(string value)
    {
        if (Encoding.UTF8.GetByteCount(value) <= MaxAttributeValueBytes)
        {
            return value;
        }

        var end = Math.Min(value.Length, MaxAttributeValueBytes);
        while (end > 0 && Encoding.UTF8.GetByteCount(value.AsSpan(0, end)) > MaxAttributeValueBytes - 3)
        {
            end--;
        }

        return string.Concat(value.AsSpan(0, end), "...");
    }
}
