namespace Omnibus.Drivers.PubSub;

/// <summary>
/// Pub/Sub attributes the <c>pubsub://</c> driver writes and reads besides the application's headers (which it carries
/// verbatim as attributes) and <see cref="HeaderNames.ContentType"/>. A message from a plain Pub/Sub client without
/// them is still consumed: its id is then the service's message id, its time the publish time (docs/drivers/pubsub.md).
/// The message key is no attribute: it is the message's ordering key.
/// </summary>
public static class PubSubAttributeNames
{
    /// <summary><see cref="Message.Id"/>. Absent on a plain client's message: the id is then its Pub/Sub message id.</summary>
    public const string Id = "omnibus-id";

    /// <summary><see cref="Message.Timestamp"/> as Unix milliseconds, when the publisher set one; else the publish time is used.</summary>
    public const string Timestamp = "omnibus-timestamp";
}
