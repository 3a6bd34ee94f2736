namespace Omnibus.Drivers.Nats;

/// <summary>
/// NATS headers the <c>nats://</c> driver writes and reads besides the application's own (which it carries verbatim)
/// and <see cref="HeaderNames.ContentType"/>. A message from a plain NATS client without them is still consumed: see
/// docs/drivers/nats.md.
/// </summary>
public static class NatsHeaderNames
{
    /// <summary><see cref="Message.Id"/>. Absent on a plain client's message: the id is then its <see cref="MsgId"/>, else <c>&lt;stream&gt;:&lt;sequence&gt;</c>.</summary>
    public const string Id = "omnibus-id";

    /// <summary><see cref="Message.Key"/>, when it has one.</summary>
    public const string Key = "omnibus-key";

    /// <summary><see cref="Message.Timestamp"/> as Unix milliseconds, when the publisher set one; else the stream's own timestamp is used.</summary>
    public const string Timestamp = "omnibus-timestamp";

    /// <summary>
    /// JetStream's de-duplication header: <see cref="Message.IdempotencyId"/> is published as it, and the stream drops a
    /// second message with the same value within its duplicate window. Not passed on to consumers as a header.
    /// </summary>
    public const string MsgId = "Nats-Msg-Id";
}
