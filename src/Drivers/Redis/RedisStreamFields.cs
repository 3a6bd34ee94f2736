namespace Omnibus.Drivers.Redis;

/// <summary>
/// The field layout of a stream entry written by the <c>redis://</c> driver, for clients that are not Omnibus
/// (<c>redis-cli XADD orders * body hello id m-1 content-type text/plain h:tenant acme</c>). Every field is optional:
/// an entry without <see cref="Body"/> has an empty body, one without <see cref="Id"/> gets the id
/// <c>&lt;topic&gt;/&lt;entry id&gt;</c>, one without <see cref="Timestamp"/> the time of its entry id. A field
/// <c>h:&lt;name&gt;</c> is header <c>&lt;name&gt;</c>; any other field outside this list is a header under its own name,
/// so an entry written with arbitrary fields keeps them all.
/// </summary>
public static class RedisStreamFields
{
    /// <summary>The body, bytes as they are.</summary>
    public const string Body = "body";

    /// <summary><see cref="Message.Id"/>.</summary>
    public const string Id = "id";

    /// <summary><see cref="Message.Key"/>, absent when the message has none.</summary>
    public const string Key = "key";

    /// <summary><see cref="Message.ContentType"/>, absent when the message has none.</summary>
    public const string ContentType = "content-type";

    /// <summary><see cref="Message.Timestamp"/> in Unix milliseconds, written only when the publisher set one.</summary>
    public const string Timestamp = "timestamp";

    /// <summary><see cref="Message.TimeToLive"/> in milliseconds, counted from the entry id's time.</summary>
    public const string TimeToLive = "ttl";

    /// <summary>
    /// <see cref="Message.IdempotencyId"/>: Redis cannot dedupe, so it is carried and delivered as header
    /// <see cref="IdempotencyHeader"/> for the consumer to dedupe on.
    /// </summary>
    public const string IdempotencyId = "idempotency-id";

    /// <summary>The header a delivered message carries its publisher's <see cref="Message.IdempotencyId"/> in.</summary>
    public const string IdempotencyHeader = "omnibus-idempotency-id";

    /// <summary>The prefix of a header field: <c>h:tenant</c> is header <c>tenant</c>.</summary>
    public const string HeaderPrefix = "h:";
}
