using System.Globalization;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>Maps a <see cref="Message"/> to the fields of a stream entry and back (<see cref="RedisStreamFields"/>).</summary>
internal static class StreamMapping
{
    public static NameValueEntry[] ToFields(Message message)
    {
        // The core carries IdempotencyId as a header too; the idempotency-id field holds it once and reads back as that header.
        var carried = message.IdempotencyId is { } carriedId && message.GetHeader(RedisStreamFields.IdempotencyHeader) == carriedId ? 1 : 0;
        var count = -carried + 2 + (message.Key is null ? 0 : 1) + (message.ContentType is null ? 0 : 1) + (message.Timestamp == default ? 0 : 1)
            + (message.TimeToLive is null ? 0 : 1) + (message.IdempotencyId is null ? 0 : 1) + (message.HasHeaders ? message.Headers.Count : 0);
        var fields = new NameValueEntry[count];
        var i = 0;
        fields[i++] = new NameValueEntry(RedisStreamFields.Body, message.Body);
        fields[i++] = new NameValueEntry(RedisStreamFields.Id, message.Id);
        if (message.Key is { } key)
        {
            fields[i++] = new NameValueEntry(RedisStreamFields.Key, key);
        }

        if (message.ContentType is { } contentType)
        {
            fields[i++] = new NameValueEntry(RedisStreamFields.ContentType, contentType);
        }

        if (message.Timestamp != default)
        {
            fields[i++] = new NameValueEntry(RedisStreamFields.Timestamp, message.Timestamp.ToUnixTimeMilliseconds());
        }

        if (message.TimeToLive is { } ttl)
        {
            fields[i++] = new NameValueEntry(RedisStreamFields.TimeToLive, (long)Math.Ceiling(ttl.TotalMilliseconds));
        }

        if (message.IdempotencyId is { } idempotencyId)
        {
            fields[i++] = new NameValueEntry(RedisStreamFields.IdempotencyId, idempotencyId);
        }

        if (message.HasHeaders)
        {
            foreach (var (name, value) in message.Headers)
            {
                if (carried == 1 && name == RedisStreamFields.IdempotencyHeader)
                {
                    continue;
                }

                fields[i++] = new NameValueEntry(RedisStreamFields.HeaderPrefix + name, value);
            }
        }

        return fields;
    }

    /// <summary>The message of entry <paramref name="entry"/> of <paramref name="topic"/>, delivered for the given attempt.</summary>
    public static Message FromEntry(string topic, StreamEntry entry, int deliveryAttempt, out DateTimeOffset? expiresAt)
    {
        var entryId = entry.Id.ToString();
        var entryTime = EntryTime(entryId);
        ReadOnlyMemory<byte> body = default;
        string? id = null, key = null, contentType = null;
        DateTimeOffset? timestamp = null;
        long? ttl = null;
        Dictionary<string, string>? headers = null;
        foreach (var field in entry.Values)
        {
            var name = field.Name.ToString();
            switch (name)
            {
                case RedisStreamFields.Body:
                    body = (byte[]?)field.Value ?? [];
                    break;
                case RedisStreamFields.Id:
                    id = field.Value.ToString();
                    break;
                case RedisStreamFields.Key:
                    key = field.Value.ToString();
                    break;
                case RedisStreamFields.ContentType:
                    contentType = field.Value.ToString();
                    break;
                case RedisStreamFields.Timestamp when long.TryParse(field.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms):
                    timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                    break;
                case RedisStreamFields.TimeToLive when long.TryParse(field.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms):
                    ttl = ms;
                    break;
                case RedisStreamFields.IdempotencyId:
                    (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[RedisStreamFields.IdempotencyHeader] = field.Value.ToString();
                    break;
                default:
                    var header = name.StartsWith(RedisStreamFields.HeaderPrefix, StringComparison.Ordinal) ? name[RedisStreamFields.HeaderPrefix.Length..] : name;
                    (headers ??= new Dictionary<string, string>(StringComparer.Ordinal))[header] = field.Value.ToString();
                    break;
            }
        }

        expiresAt = ttl is { } lifetime && entryTime is { } added ? added.AddMilliseconds(lifetime) : null;
        var message = new Message(body)
        {
            // An entry added by another client without an id field: its entry id names it uniquely within the topic.
            Id = string.IsNullOrEmpty(id) ? $"{topic}/{entryId}" : id,
            Topic = topic,
            Key = key,
            ContentType = contentType,
            Timestamp = timestamp ?? entryTime ?? default,
            DeliveryAttempt = deliveryAttempt,
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

    /// <summary>The time in an entry id (<c>&lt;ms&gt;-&lt;seq&gt;</c>), or null for an id of another form.</summary>
    public static DateTimeOffset? EntryTime(string entryId)
    {
        var dash = entryId.IndexOf('-', StringComparison.Ordinal);
        var digits = dash < 0 ? entryId : entryId[..dash];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= 253402300799999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
    }
}
