namespace Omnibus;

/// <summary>
/// Describes a subscription: what to consume, as which group, and how failures are handled.
/// Immutable; validated by <see cref="Validate"/> when the subscription starts.
/// </summary>
public sealed record SubscriptionOptions
{
    /// <summary>Creates options for <paramref name="topic"/> consumed by <paramref name="group"/>.</summary>
    public SubscriptionOptions(string topic, string group)
    {
        Topic = topic;
        Group = group;
    }

    /// <summary>The topic to consume.</summary>
    public string Topic { get; init; }

    /// <summary>
    /// The consumer group. Subscriptions of one group compete for messages (each message goes to one of them);
    /// every group gets every message.
    /// </summary>
    public string Group { get; init; }

    /// <summary>How many messages (or batches) this subscription handles at once. Default 1. Also the prefetch hint.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>
    /// Deliveries before a failing message is dead-lettered, counting the first. Default 5. 1 means no redelivery.
    /// </summary>
    public int MaxDeliveryAttempts { get; init; } = 5;

    /// <summary>Where messages go after the last failed attempt. Null: <c>&lt;topic&gt;.dlq</c>.</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>
    /// Where a group that does not exist yet starts. Default <see cref="StartPosition.Default"/>: the driver's own
    /// (Earliest, or Latest where new groups cannot start earlier, as on amqp://).
    /// </summary>
    public StartPosition StartFrom { get; init; } = StartPosition.Default;

    /// <summary>Whether messages with the same key are handled one at a time, in order. Default none.</summary>
    public MessageOrdering Ordering { get; init; } = MessageOrdering.None;

    /// <summary>Redelivery delays after a failed attempt.</summary>
    public RetryBackoff Backoff { get; init; } = RetryBackoff.Default;

    /// <summary>Batch mode settings; only read by batch subscriptions.</summary>
    public BatchOptions Batch { get; init; } = BatchOptions.Default;

    /// <summary>
    /// On close, how long in-flight handlers (already told to cancel) get to finish before they are abandoned
    /// and their messages left to redelivery. Default 30 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The dead-letter topic in effect.</summary>
    public string EffectiveDeadLetterTopic => DeadLetterTopic ?? Topic + ".dlq";

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        TopicName.Validate(Topic, nameof(Topic));
        TopicName.Validate(Group, nameof(Group));
        if (DeadLetterTopic is not null)
        {
            TopicName.Validate(DeadLetterTopic, nameof(DeadLetterTopic));
        }

        Require(Concurrency is >= 1 and <= 10_000, nameof(Concurrency), Concurrency, "from 1 to 10000");
        Require(MaxDeliveryAttempts is >= 1 and <= 1_000, nameof(MaxDeliveryAttempts), MaxDeliveryAttempts, "from 1 to 1000");
        Require(Enum.IsDefined(StartFrom), nameof(StartFrom), StartFrom, "Earliest, Latest or Default");
        Require(Enum.IsDefined(Ordering), nameof(Ordering), Ordering, "None or ByKey");
        Require(DrainTimeout >= TimeSpan.Zero, nameof(DrainTimeout), DrainTimeout, "zero or more");
        Require(EffectiveDeadLetterTopic != Topic, nameof(DeadLetterTopic), DeadLetterTopic, "a topic other than the consumed one");
        Backoff.Validate();
        Batch.Validate();
    }

    internal static void Require(bool condition, string setting, object? value, string allowed)
    {
        if (!condition)
        {
            throw new OmnibusConfigurationException(setting, $"{setting} = '{value}' is invalid: allowed is {allowed}.");
        }
    }
}

/// <summary>Where a new consumer group starts reading.</summary>
public enum StartPosition
{
    /// <summary>The oldest message the broker still holds.</summary>
    Earliest,

    /// <summary>Only messages published after the group is created.</summary>
    Latest,

    /// <summary>
    /// The driver's default (<see cref="Drivers.IBrokerDriver.DefaultStartFrom"/>): <see cref="Earliest"/>, except on a
    /// driver whose new groups cannot start earlier than their creation (amqp://), where it is <see cref="Latest"/>.
    /// </summary>
    Default,
}

/// <summary>Ordering guarantees of a subscription.</summary>
public enum MessageOrdering
{
    /// <summary>No ordering: any message may be handled concurrently with any other.</summary>
    None,

    /// <summary>
    /// Messages with the same key are never handled concurrently and are handled in publish order, also across
    /// retries (a failing message holds back later ones with its key until it succeeds or is dead-lettered).
    /// </summary>
    ByKey,
}
