namespace Omnibus.Triggers.Internal;

/// <summary>
/// The extension-wide settings a trigger needs, handed over by Omnibus.Bindings from its options (host.json
/// <c>extensions.broker</c>), so that Triggers does not depend on Bindings. Immutable.
/// </summary>
internal sealed record BrokerTriggerDefaults
{
    /// <summary>The app setting consulted when an attribute names no connection.</summary>
    public const string ConnectionSetting = "OmnibusConnection";

    /// <summary>The connection used when neither the attribute's setting nor <see cref="ConnectionSetting"/> exists.</summary>
    public required string DefaultConnection { get; init; }

    public int MaxConcurrency { get; init; } = 16;

    public int MaxDeliveryAttempts { get; init; } = 5;

    /// <summary>Redelivery backoff; also paces resubscribing while the broker is unreachable.</summary>
    public RetryBackoff Backoff { get; init; } = RetryBackoff.Default;

    /// <summary>Dead-letter topic pattern with <c>{topic}</c> and <c>{group}</c> placeholders.</summary>
    public string DeadLetterTopic { get; init; } = "{topic}.dlq";

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The dead-letter topic for <paramref name="topic"/> consumed by <paramref name="group"/>.</summary>
    public string DeadLetterTopicFor(string topic, string group) =>
        DeadLetterTopic.Replace("{topic}", topic, StringComparison.OrdinalIgnoreCase).Replace("{group}", group, StringComparison.OrdinalIgnoreCase);
}
