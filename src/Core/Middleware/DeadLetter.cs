using Omnibus.Drivers;

namespace Omnibus.Middleware;

/// <summary>
/// Builds the message that goes to a dead-letter topic: the original id, key, body, content type and headers,
/// plus headers recording why (<see cref="HeaderNames.ErrorType"/>, <see cref="HeaderNames.ErrorMessage"/>,
/// <see cref="HeaderNames.DeliveryAttempts"/>, <see cref="HeaderNames.OriginalTopic"/>, <see cref="HeaderNames.OriginalGroup"/>).
/// </summary>
public static class DeadLetter
{
    /// <summary>Error messages longer than this are cut, so that a huge exception text cannot exceed a broker's header limits.</summary>
    public const int MaxErrorMessageLength = 2000;

    /// <summary>The dead-letter copy of <paramref name="failed"/>.</summary>
    public static Message Create(Message failed, Exception error, string group, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(failed);
        ArgumentNullException.ThrowIfNull(error);
        var copy = failed.WithKey(failed.Key);
        var text = error.Message;
        copy.Headers[HeaderNames.ErrorType] = error.GetType().FullName ?? error.GetType().Name;
        copy.Headers[HeaderNames.ErrorMessage] = text.Length > MaxErrorMessageLength ? text[..MaxErrorMessageLength] : text;
        copy.Headers[HeaderNames.DeliveryAttempts] = failed.DeliveryAttempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        copy.Headers[HeaderNames.OriginalTopic] = failed.Topic;
        copy.Headers[HeaderNames.OriginalGroup] = group;
        copy.Headers[HeaderNames.DeadLetteredAt] = now.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return copy;
    }

    /// <summary>The header a replayed message carries: the id it had in the dead-letter topic.</summary>
    public const string ReplayOfHeader = "omnibus-replay-of";

    /// <summary>
    /// Moves dead-lettered messages of <paramref name="topic"/> back to where they came from: each message of
    /// <c>&lt;topic&gt;.dlq</c> (or <see cref="DeadLetterReplayOptions.DeadLetterTopic"/>) is published again to its
    /// <see cref="HeaderNames.OriginalTopic"/> (else <paramref name="topic"/>) without the error headers, under a new id,
    /// and only then acknowledged in the dead-letter topic: a crash mid-way can replay a message twice, never lose one.
    /// The replay reads as consumer group <see cref="DeadLetterReplayOptions.Group"/>, so a second replay continues after
    /// the first. With a driver that can be inspected (<see cref="IBrokerAdmin"/>) it moves at most the dead letters
    /// waiting when it starts (none waiting: 0 at once), so a consumer that still fails cannot keep it running. It stops when the group has nothing left (or nothing arrived for <see cref="DeadLetterReplayOptions.IdleTimeout"/>)
    /// or after <see cref="DeadLetterReplayOptions.Max"/> messages. Returns how many were replayed.
    /// </summary>
    public static async Task<int> ReplayAsync(IBroker broker, string topic, DeadLetterReplayOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(broker);
        TopicName.Validate(topic, nameof(topic));
        options ??= new DeadLetterReplayOptions();
        options.Validate();
        var source = options.DeadLetterTopic ?? topic + ".dlq";
        var max = options.Max;
        if (broker.Admin is { } admin)
        {
            // Only what waits now: a consumer that still fails would otherwise feed the replay its own dead letters forever.
            max = (int)Math.Min(max, await WaitingAsync(admin, source, options.Group, cancellationToken).ConfigureAwait(false));
            if (max == 0)
            {
                return 0;
            }
        }

        var replayed = 0;
        var lastProgress = Environment.TickCount64;
        var subscription = await broker.SubscribeAsync(
            new SubscriptionOptions(source, options.Group) { StartFrom = StartPosition.Default, Concurrency = 1, DeadLetterTopic = source + ".unreplayable" },
            async (message, ct) =>
            {
                if (Volatile.Read(ref replayed) >= max)
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false); // not taken: released when the replay closes
                }

                var target = message.GetHeader(HeaderNames.OriginalTopic) ?? topic;
                await broker.PublishAsync(target, Revive(message), ct).ConfigureAwait(false);
                Interlocked.Increment(ref replayed);
                Volatile.Write(ref lastProgress, Environment.TickCount64);
            },
            cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            var backlog = broker.Backlog;
            while (Volatile.Read(ref replayed) < max)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
                if (backlog is not null && await backlog.GetBacklogAsync(source, options.Group, cancellationToken).ConfigureAwait(false) == 0)
                {
                    break;
                }

                if (Environment.TickCount64 - Volatile.Read(ref lastProgress) > options.IdleTimeout.TotalMilliseconds)
                {
                    break;
                }
            }
        }

        return replayed;
    }

    /// <summary>Dead letters <paramref name="group"/> has not taken yet: its lag, or everything stored when it never ran.</summary>
    private static async Task<long> WaitingAsync(IBrokerAdmin admin, string deadLetterTopic, string group, CancellationToken cancellationToken)
    {
        if (await admin.GetGroupAsync(deadLetterTopic, group, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing.Lag;
        }

        var topics = await admin.GetTopicsAsync(cancellationToken).ConfigureAwait(false);
        return topics.FirstOrDefault(t => t.Name == deadLetterTopic)?.Messages ?? 0;
    }

    private static Message Revive(Message dead)
    {
        var revived = new Message(dead.Body)
        {
            Key = dead.Key,
            ContentType = dead.ContentType,
        };
        foreach (var (name, value) in dead.Headers)
        {
            if (name is not (HeaderNames.ErrorType or HeaderNames.ErrorMessage or HeaderNames.DeliveryAttempts or HeaderNames.OriginalTopic
                or HeaderNames.OriginalGroup or HeaderNames.DeadLetteredAt or HeaderNames.ContentType or HeaderNames.DeliveryAttempt))
            {
                revived.Headers[name] = value;
            }
        }

        revived.Headers[ReplayOfHeader] = dead.Id;
        return revived;
    }
}

/// <summary>How <see cref="DeadLetter.ReplayAsync"/> reads the dead-letter topic.</summary>
public sealed record DeadLetterReplayOptions
{
    /// <summary>
    /// The group a replay reads as unless told otherwise. A driver whose new groups cannot start from Earliest (amqp://)
    /// keeps every dead letter for this group, declared with the dead-letter topic.
    /// </summary>
    public const string DefaultGroup = "omnibus-replay";

    /// <summary>The consumer group the replay reads as; a later replay with the same group continues after this one.</summary>
    public string Group { get; init; } = DefaultGroup;

    /// <summary>The dead-letter topic to read; null means <c>&lt;topic&gt;.dlq</c>.</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>The most messages to replay.</summary>
    public int Max { get; init; } = int.MaxValue;

    /// <summary>Stop when nothing has arrived for this long (drivers that cannot report a backlog rely on it).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws <see cref="OmnibusConfigurationException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Max < 1)
        {
            throw new OmnibusConfigurationException(nameof(Max), $"DeadLetterReplayOptions.Max is {Max}; allowed: 1 or more.");
        }

        if (IdleTimeout <= TimeSpan.Zero)
        {
            throw new OmnibusConfigurationException(nameof(IdleTimeout), $"DeadLetterReplayOptions.IdleTimeout is {IdleTimeout}; allowed: a positive time span.");
        }

        TopicName.Validate(Group, nameof(Group));
        if (DeadLetterTopic is not null)
        {
            TopicName.Validate(DeadLetterTopic, nameof(DeadLetterTopic));
        }
    }
}
