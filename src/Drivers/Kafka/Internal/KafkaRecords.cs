using System.Text;
using Confluent.Kafka;

namespace Omnibus.Drivers.Kafka.Internal;

/// <summary>
/// Maps an Omnibus <see cref="Message"/> to a Kafka record and back. The key goes in the record key (UTF-8, so Kafka's
/// partitioner places it), the timestamp in the record timestamp (CreateTime), and the id and content type in
/// headers, next to the application's headers. Header values are UTF-8.
/// </summary>
internal static class KafkaRecords
{
    /// <summary>The header that carries <see cref="Message.Id"/>.</summary>
    public const string MessageIdHeader = "message-id";

    public static Message<byte[]?, byte[]> ToRecord(Message message)
    {
        var headers = new Headers { { MessageIdHeader, Encoding.UTF8.GetBytes(message.Id) } };
        if (message.ContentType is { } contentType)
        {
            headers.Add(HeaderNames.ContentType, Encoding.UTF8.GetBytes(contentType));
        }

        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                if (name is MessageIdHeader or HeaderNames.ContentType)
                {
                    continue;
                }

                headers.Add(name, Encoding.UTF8.GetBytes(value));
            }
        }

        return new Message<byte[]?, byte[]>
        {
            Key = message.Key is null ? null : Encoding.UTF8.GetBytes(message.Key),
            Value = message.Body.ToArray(),
            Headers = headers,
            Timestamp = message.Timestamp == default ? Timestamp.Default : new Timestamp(message.Timestamp),
        };
    }

    public static Message FromRecord(ConsumeResult<byte[]?, byte[]?> record, int deliveryAttempt)
    {
        var headers = record.Message.Headers;
        string? id = null, contentType = null;
        var others = 0;
        foreach (var header in (IEnumerable<IHeader>?)headers ?? [])
        {
            switch (header.Key)
            {
                case MessageIdHeader:
                    id = Text(header);
                    break;
                case HeaderNames.ContentType:
                    contentType = Text(header);
                    break;
                default:
                    others++;
                    break;
            }
        }

        var message = new Message(record.Message.Value ?? [])
        {
            // A record published by another Kafka client has no id header: its position names it uniquely.
            Id = string.IsNullOrEmpty(id) ? $"{record.Topic}/{record.Partition.Value}/{record.Offset.Value}" : id,
            Topic = record.Topic,
            Key = record.Message.Key is null ? null : Encoding.UTF8.GetString(record.Message.Key),
            ContentType = contentType,
            Timestamp = record.Message.Timestamp.Type == TimestampType.NotAvailable ? default : record.Message.Timestamp.UtcDateTime,
            DeliveryAttempt = deliveryAttempt,
        };
        foreach (var header in others > 0 ? headers! : [])
        {
            if (header.Key is not (MessageIdHeader or HeaderNames.ContentType))
            {
                message.Headers[header.Key] = Text(header);
            }
        }

        return message;
    }

    private static string Text(IHeader header) => header.GetValueBytes() is { } bytes ? Encoding.UTF8.GetString(bytes) : string.Empty;
}
