namespace Omnibus;

/// <summary>How a batch subscription groups messages.</summary>
public sealed record BatchOptions
{
    /// <summary>Up to 100 messages, waiting at most 100 ms for a batch to fill.</summary>
    public static BatchOptions Default { get; } = new();

    /// <summary>The most messages in one batch. Default 100.</summary>
    public int MaxSize { get; init; } = 100;

    /// <summary>
    /// How long to wait for more messages once the first one of a batch has arrived. Default 100 ms.
    /// A batch is handed over when it is full or this has passed, whichever comes first.
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        SubscriptionOptions.Require(MaxSize is >= 1 and <= 100_000, "Batch.MaxSize", MaxSize, "from 1 to 100000");
        SubscriptionOptions.Require(MaxWait >= TimeSpan.Zero && MaxWait <= TimeSpan.FromMinutes(10), "Batch.MaxWait", MaxWait, "from 0 to 10 minutes");
    }
}
