using System.Text;
using Omnibus.Codecs;
using Omnibus.Internal;

namespace Omnibus;

/// <summary>
/// One message: what a publisher sends and what a handler receives.
/// </summary>
/// <remarks>
/// A message is immutable once built, except for <see cref="Headers"/>, which a publisher may add to
/// until the message is published. The body is never copied by the core on the hot path: a message built
/// from a <see cref="byte"/> array keeps that array, so the caller must not change it after publishing.
/// Delivered messages are new instances per delivery: <see cref="Topic"/> and <see cref="DeliveryAttempt"/>
/// are set by the driver. Instances are safe to read from several threads.
/// </remarks>
public sealed class Message
{
    private string? _id;
    private Dictionary<string, string>? _headers;

    /// <summary>Creates a message with the given body (not copied).</summary>
    public Message(ReadOnlyMemory<byte> body) => Body = body;

    /// <summary>Creates a message with an empty body.</summary>
    public Message()
    {
    }

    /// <summary>
    /// The message id. Unique per message; generated on first read when not set. Kept by every driver, so
    /// consumers can dedupe redeliveries by it (see <see cref="Omnibus.Middleware.IdempotentConsumer"/>).
    /// </summary>
    public string Id
    {
        get => _id ??= MessageIds.Next();
        init => _id = string.IsNullOrEmpty(value) ? throw new ArgumentException("A message id must not be empty.", nameof(Id)) : value;
    }

    /// <summary>The topic the message was delivered from. Empty on a message that has not been published.</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>
    /// The partitioning and ordering key. Messages with the same key go to the same partition on partitioned
    /// brokers, and are handled in order, one at a time, by a subscription with <see cref="MessageOrdering.ByKey"/>.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>The payload. Never copied by the core.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The MIME type of <see cref="Body"/>, e.g. <c>application/json</c>. Drivers carry it as the
    /// <c>content-type</c> header, or as the broker's own content-type property where it has one.</summary>
    public string? ContentType { get; init; }

    /// <summary>When the message was published (UTC). Set by the publisher when left at its default.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>1 for a first delivery, 2 for the first redelivery, and so on. 0 on a message not yet delivered.</summary>
    public int DeliveryAttempt { get; init; }

    /// <summary>Publishing only: the message becomes visible to consumers no earlier than this long after publishing.</summary>
    public TimeSpan? DeliverAfter { get; init; }

    /// <summary>Publishing only: the message is dropped (and counted as expired) if not delivered within this long.</summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>
    /// Publishing only: an id by which a broker that declares <see cref="BrokerFeatures.ExactlyOnce"/> stores a
    /// message once however often it is published within its dedupe window. Null: no publish-side dedupe.
    /// </summary>
    public string? IdempotencyId { get; init; }

    /// <summary>Application headers, string to string, kept by every driver. Created on first use.</summary>
    public IDictionary<string, string> Headers => _headers ??= new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether the message has at least one header, without creating the dictionary.</summary>
    public bool HasHeaders => _headers is { Count: > 0 };

    /// <summary>Gets a header, or null, without creating the dictionary.</summary>
    public string? GetHeader(string name) => _headers is not null && _headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>Creates a message whose body is the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static Message FromString(string text) => BodyCodec.Encode(text);

    /// <summary>Creates a message whose body is <paramref name="value"/> encoded by <see cref="BodyCodec"/>:
    /// raw bytes and strings directly, anything else as JSON; with <paramref name="key"/> as its key.</summary>
    public static Message From<T>(T value, string? key = null)
    {
        var message = BodyCodec.Encode(value);
        return key is null ? message : message.WithKey(key);
    }

    /// <summary>
    /// A message to publish with the same id, body, content type, timestamp, headers (copied) and publishing options,
    /// and <paramref name="key"/> as its key. Keys are fixed once a message is built, so this is how one is changed.
    /// </summary>
    public Message WithKey(string? key)
    {
        var copy = new Message(Body)
        {
            _id = Id,
            Key = key,
            ContentType = ContentType,
            Timestamp = Timestamp,
            DeliverAfter = DeliverAfter,
            TimeToLive = TimeToLive,
            IdempotencyId = IdempotencyId,
        };
        if (HasHeaders)
        {
            foreach (var (name, value) in _headers!)
            {
                copy.Headers[name] = value;
            }
        }

        return copy;
    }

    /// <summary>
    /// A copy (as <see cref="WithKey"/> makes) whose <see cref="Id"/> and <see cref="IdempotencyId"/> are both
    /// <paramref name="id"/>: the same logical message on every publish attempt, so that a deduplicating broker stores
    /// it once and the idempotent-consumer middleware handles it once.
    /// </summary>
    public Message WithStableId(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var copy = WithKey(Key);
        return new Message(copy.Body)
        {
            _id = id,
            _headers = copy._headers,
            Key = copy.Key,
            ContentType = copy.ContentType,
            Timestamp = copy.Timestamp,
            DeliverAfter = copy.DeliverAfter,
            TimeToLive = copy.TimeToLive,
            IdempotencyId = id,
        };
    }

    /// <summary>The body decoded as UTF-8 text.</summary>
    public string GetString() => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The body decoded to <typeparamref name="T"/> by <see cref="BodyCodec"/>.</summary>
    /// <exception cref="MessageDecodeException">The body is not a valid <typeparamref name="T"/>.</exception>
    public T GetBody<T>() => BodyCodec.Decode<T>(this);

    /// <summary>A copy of this message as delivered from <paramref name="topic"/> for the given attempt.</summary>
    /// <remarks>The header dictionary is shared, not copied: deliveries are read-only by contract.</remarks>
    public Message ForDelivery(string topic, int deliveryAttempt) => ForDelivery(topic, deliveryAttempt, Timestamp);

    /// <summary>A copy of this message as delivered from <paramref name="topic"/> for the given attempt, published at <paramref name="timestamp"/>.</summary>
    /// <remarks>The header dictionary is shared, not copied: deliveries are read-only by contract.</remarks>
    public Message ForDelivery(string topic, int deliveryAttempt, DateTimeOffset timestamp) => new()
    {
        _id = Id,
        _headers = _headers,
        Topic = topic,
        Key = Key,
        Body = Body,
        ContentType = ContentType,
        Timestamp = timestamp,
        DeliveryAttempt = deliveryAttempt,
    };

    /// <inheritdoc />
    public override string ToString() => $"Message {Id} topic={Topic} key={Key} bytes={Body.Length} attempt={DeliveryAttempt}";
}
