namespace Omnibus.Drivers;

/// <summary>
/// Everything a driver needs to open one consumer, computed by the core from the subscription's options, so that no
/// driver guesses (a batch subscription, the prefetch it needs). Immutable.
/// </summary>
public sealed record ConsumerSpec
{
    /// <summary>
    /// Creates the spec of a consumer of <paramref name="options"/>; <paramref name="defaultStartFrom"/> is what
    /// <see cref="StartPosition.Default"/> means on the driver (<see cref="IBrokerDriver.DefaultStartFrom"/>).
    /// </summary>
    public ConsumerSpec(SubscriptionOptions options, bool batch, StartPosition defaultStartFrom = StartPosition.Earliest)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Batch = batch;
        StartFrom = options.StartFrom == StartPosition.Default ? defaultStartFrom : options.StartFrom;
        // Room for every handler slot plus one more round, so a handler never waits for a fetch; a batch subscription
        // needs whole batches for each of its concurrent handlers.
        var prefetch = batch ? (long)options.Concurrency * options.Batch.MaxSize : 2L * options.Concurrency;
        Prefetch = (int)Math.Clamp(prefetch, 1, MaxPrefetch);
    }

    /// <summary>The largest prefetch the core asks for (RabbitMQ's limit, and a bound for every other buffer).</summary>
    public const int MaxPrefetch = ushort.MaxValue;

    /// <summary>The subscription's options as given (validated).</summary>
    public SubscriptionOptions Options { get; }

    /// <summary>The topic to consume.</summary>
    public string Topic => Options.Topic;

    /// <summary>The consumer group to join.</summary>
    public string Group => Options.Group;

    /// <summary>Where the group starts if it does not exist yet: Earliest or Latest (<see cref="StartPosition.Default"/> resolved).</summary>
    public StartPosition StartFrom { get; }

    /// <summary>Whether the consumer feeds a batch handler.</summary>
    public bool Batch { get; }

    /// <summary>Whether the subscription handles one key at a time, in order.</summary>
    public MessageOrdering Ordering => Options.Ordering;

    /// <summary>
    /// How many unsettled deliveries the consumer should hold at most (the broker's prefetch or credit, or the bound of
    /// a <see cref="DeliveryBuffer"/>). A driver option that fixes the prefetch overrides it.
    /// </summary>
    public int Prefetch { get; init; }

    /// <summary>The core dead-letters a message after this many attempts.</summary>
    public int MaxDeliveryAttempts => Options.MaxDeliveryAttempts;
}
