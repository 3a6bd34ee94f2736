using System.Globalization;

namespace Omnibus.Drivers.Redis;

/// <summary>
/// The error recorded on a dead letter (<see cref="HeaderNames.ErrorType"/>) when an entry was delivered
/// <c>MaxDeliveryAttempts</c> times and no handler ever finished with it: each consumer that took it died (or lost its
/// connection) first, e.g. a message that crashes its process. The redis:// driver dead-letters such an entry when it
/// would claim it for one attempt too many. Never thrown to application code.
/// </summary>
public sealed class DeliveryAbandonedException : OmnibusException
{
    /// <summary>Creates the exception for message <paramref name="messageId"/> of <paramref name="topic"/>.</summary>
    public DeliveryAbandonedException(string topic, string group, string messageId, int deliveries)
        : base($"Message {messageId} of topic '{topic}' was delivered {deliveries.ToString(CultureInfo.InvariantCulture)} times to group '{group}' and never settled: its consumers died before their handlers finished.")
    {
        Topic = topic;
        Group = group;
        MessageId = messageId;
        Deliveries = deliveries;
    }

    /// <summary>The topic of the message.</summary>
    public string Topic { get; }

    /// <summary>The group that could not handle it.</summary>
    public string Group { get; }

    /// <summary>The message's id.</summary>
    public string MessageId { get; }

    /// <summary>How often it was delivered.</summary>
    public int Deliveries { get; }
}
