using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>One message as SQS sends it: body text, attributes, and the FIFO and delay fields.</summary>
internal sealed record OutgoingMessage(string Body, Dictionary<string, MessageAttributeValue> Attributes, int? DelaySeconds, string? GroupId, string? DeduplicationId, int Size);

/// <summary>
/// A <see cref="Message"/> as an SQS message and back. The body is sent as text when it is UTF-8 SQS accepts, else
/// base64 (<see cref="SqsAttributeNames.BodyEncoding"/>). The id, key, timestamp and expiry go in
/// <see cref="SqsAttributeNames"/> attributes, the content type in <c>content-type</c>; application headers are one
/// String attribute each, or, when they do not fit SQS's 10 attributes (or a name is not a valid attribute name, or a
/// value is empty), all of them in the one JSON attribute <see cref="SqsAttributeNames.Headers"/>.
/// </summary>
internal static class MessageMapping
{
    /// <summary>SQS's limit of message attributes per message.</summary>
    public const int MaxAttributes = 10;

    /// <summary>The longest delay SQS holds a message back for (DelaySeconds).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(900);

    /// <summary>The MessageGroupId of a keyless message on a FIFO queue: keyless messages keep one order among themselves.</summary>
    public const string KeylessGroup = "omnibus-keyless";

    private const string Base64 = "base64";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static OutgoingMessage ToOutgoing(string topic, Message message, int maxSize)
    {
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
        {
            [SqsAttributeNames.Id] = Text(message.Id),
        };
        if (!string.IsNullOrEmpty(message.Key))
        {
            attributes[SqsAttributeNames.Key] = Text(message.Key);
        }

        if (!string.IsNullOrEmpty(message.ContentType))
        {
            attributes[HeaderNames.ContentType] = Text(message.ContentType);
        }

        if (message.Timestamp != default)
        {
            attributes[SqsAttributeNames.Timestamp] = Number(message.Timestamp.ToUnixTimeMilliseconds());
        }

        if (message.TimeToLive is { } ttl)
        {
            var from = message.Timestamp != default ? message.Timestamp : DateTimeOffset.UtcNow;
            attributes[SqsAttributeNames.ExpiresAt] = Number((from + ttl).ToUnixTimeMilliseconds());
        }

        var body = BodyText(message.Body.Span);
        if (body is null)
        {
            body = Convert.ToBase64String(message.Body.Span);
            attributes[SqsAttributeNames.BodyEncoding] = Text(Base64);
        }

        if (message.HasHeaders)
        {
            AddHeaders(attributes, message.Headers);
        }

        var size = Encoding.UTF8.GetByteCount(body) + attributes.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + a.Value.DataType.Length + Encoding.UTF8.GetByteCount(a.Value.StringValue ?? string.Empty));
        if (size > maxSize)
        {
            throw new PublishException(topic, SqsSettings.Scheme, $"Message {message.Id} to '{topic}' is {size} bytes as an SQS message (body{(attributes.ContainsKey(SqsAttributeNames.BodyEncoding) ? " as base64" : string.Empty)} and attributes): allowed are {maxSize} bytes at most (option maxMessageSize; SQS allows 262144 by default).");
        }

        var fifo = Names.IsFifo(topic);
        int? delay = null;
        if (message.DeliverAfter is { } after && after > TimeSpan.Zero)
        {
            if (fifo)
            {
                throw FeatureNotSupportedException.For(SqsSettings.Scheme, $"{nameof(Message.DeliverAfter)} on FIFO topic '{topic}'", "a FIFO queue has no per-message delay; publish to a standard (non-.fifo) topic, or without DeliverAfter.");
            }

            if (after > MaxDelay)
            {
                throw FeatureNotSupportedException.For(SqsSettings.Scheme, $"{nameof(Message.DeliverAfter)} = {after} of message {message.Id}", $"SQS holds a message back for {MaxDelay.TotalSeconds:0} seconds at most (DelaySeconds); allowed is up to 15 minutes.");
            }

            delay = (int)Math.Ceiling(after.TotalSeconds);
        }

        return new OutgoingMessage(body, attributes, delay, fifo ? (string.IsNullOrEmpty(message.Key) ? KeylessGroup : message.Key) : null, fifo ? message.IdempotencyId ?? message.Id : null, size);
    }

    /// <summary>The message an SQS message carries, as delivered from <paramref name="topic"/>.</summary>
    public static Message FromSqs(Amazon.SQS.Model.Message sqs, string topic, out DateTimeOffset? expiresAt)
    {
        expiresAt = null;
        string? id = null, key = null, contentType = null, encoding = null;
        DateTimeOffset? timestamp = null;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in sqs.MessageAttributes ?? [])
        {
            var text = value.StringValue ?? (value.BinaryValue is { } binary ? Convert.ToBase64String(binary.ToArray()) : string.Empty);
            switch (name)
            {
                case SqsAttributeNames.Id: id = text; break;
                case SqsAttributeNames.Key: key = text; break;
                case HeaderNames.ContentType: contentType = text; break;
                case SqsAttributeNames.BodyEncoding: encoding = text; break;
                case SqsAttributeNames.Timestamp: timestamp = UnixMs(text); break;
                case SqsAttributeNames.ExpiresAt: expiresAt = UnixMs(text); break;
                case SqsAttributeNames.Headers: Unpack(text, headers); break;
                default: headers[name] = text; break;
            }
        }

        var system = sqs.Attributes;
        var body = encoding == Base64 ? Convert.FromBase64String(sqs.Body ?? string.Empty) : Encoding.UTF8.GetBytes(sqs.Body ?? string.Empty);
        var message = new Message(body)
        {
            Id = string.IsNullOrEmpty(id) ? sqs.MessageId : id,
            Topic = topic,
            Key = key ?? (system is not null && system.TryGetValue("MessageGroupId", out var g) && g != KeylessGroup ? g : null),
            ContentType = contentType,
            Timestamp = timestamp ?? (system is not null && system.TryGetValue("SentTimestamp", out var sent) ? UnixMs(sent) : null) ?? DateTimeOffset.UtcNow,
            DeliveryAttempt = system is not null && system.TryGetValue("ApproximateReceiveCount", out var count) && int.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? Math.Max(1, n) : 1,
        };
        foreach (var (name, value) in headers)
        {
            message.Headers[name] = value;
        }

        return message;
    }

    private static void AddHeaders(Dictionary<string, MessageAttributeValue> attributes, IDictionary<string, string> headers)
    {
        var separate = attributes.Count + headers.Count <= MaxAttributes && headers.All(h => IsAttributeName(h.Key) && h.Value.Length > 0 && !attributes.ContainsKey(h.Key));
        if (separate)
        {
            foreach (var (name, value) in headers)
            {
                attributes[name] = Text(value);
            }

            return;
        }

        attributes[SqsAttributeNames.Headers] = Text(JsonSerializer.Serialize(headers));
    }

    private static void Unpack(string json, Dictionary<string, string> headers)
    {
        try
        {
            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [])
            {
                headers[name] = value;
            }
        }
        catch (JsonException)
        {
            headers[SqsAttributeNames.Headers] = json; // not ours: passed on as it came
        }
    }

    /// <summary>SQS attribute names: up to 256 of letters, digits, '_', '-', '.'; no '..', no leading or trailing '.', not starting with AWS. or Amazon.</summary>
    private static bool IsAttributeName(string name) =>
        name.Length is > 0 and <= 256
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
        && name[0] != '.' && name[^1] != '.' && !name.Contains("..", StringComparison.Ordinal)
        && !name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase)
        && !IsReserved(name);

    private static bool IsReserved(string name) => name is SqsAttributeNames.Id or SqsAttributeNames.Key or SqsAttributeNames.Timestamp or SqsAttributeNames.ExpiresAt or SqsAttributeNames.BodyEncoding or SqsAttributeNames.Headers;

    /// <summary>The body as text if it is UTF-8 made only of characters SQS accepts, else null (sent as base64).</summary>
    private static string? BodyText(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            if (!(v is 0x9 or 0xA or 0xD || v is >= 0x20 and <= 0xD7FF || v is >= 0xE000 and <= 0xFFFD || v >= 0x10000))
            {
                return null;
            }
        }

        return text;
    }

    private static MessageAttributeValue Text(string value) => new() { DataType = "String", StringValue = value };

    private static MessageAttributeValue Number(long value) => new() { DataType = "Number", StringValue = value.ToString(CultureInfo.InvariantCulture) };

    private static DateTimeOffset? UnixMs(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
