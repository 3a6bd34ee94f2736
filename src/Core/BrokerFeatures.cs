namespace Omnibus;

/// <summary>
/// What a driver can do natively. The core fills the gaps it can (retry, dead-letter and per-key ordering for
/// drivers without them), and the conformance suite skips a scenario only when a feature here says so.
/// </summary>
public sealed record BrokerFeatures
{
    /// <summary>Competing consumers inside a group, and every group gets every message.</summary>
    public bool ConsumerGroups { get; init; }

    /// <summary>The broker keeps publish order per key (partition or queue), so per-key ordering can hold.</summary>
    public bool KeyOrdering { get; init; }

    /// <summary>Messages survive a restart of the broker.</summary>
    public bool Persistent { get; init; }

    /// <summary><see cref="Message.DeliverAfter"/> is honoured.</summary>
    public bool DelayedDelivery { get; init; }

    /// <summary><see cref="Message.TimeToLive"/> is honoured.</summary>
    public bool TimeToLive { get; init; }

    /// <summary>The broker moves messages to a dead-letter destination itself (otherwise the core publishes them).</summary>
    public bool NativeDeadLetter { get; init; }

    /// <summary>Publishing the same <see cref="Message.IdempotencyId"/> twice stores one message.</summary>
    public bool ExactlyOnce { get; init; }

    /// <summary>A batch publish is one broker operation, not a loop of single ones.</summary>
    public bool BatchPublish { get; init; }

    /// <summary>A new group can start from messages published before it existed (<see cref="StartPosition.Earliest"/>).</summary>
    public bool Replay { get; init; }

    /// <summary>
    /// The broker keeps a topic's retained message (published with <see cref="HeaderNames.Retain"/> = <c>true</c>) for
    /// every new group. Without it a publish carrying that header is refused.
    /// </summary>
    public bool RetainedMessages { get; init; }

    /// <summary>
    /// At most once: a delivery is settled when it is handed out, so a handler that fails (or dies) loses it, without a
    /// retry or a dead letter (e.g. <c>embedded://?qos=0</c>). A <c>[BrokerTrigger]</c> refuses such a connection unless
    /// it accepts that in so many words.
    /// </summary>
    public bool AtMostOnce { get; init; }
}
