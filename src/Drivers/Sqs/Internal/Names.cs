namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// Topic names as SQS queue names: a queue name holds letters, digits, '-' and '_' (80 at most, '.fifo' included), so
/// every '.' of a topic becomes '_', except the '.fifo' ending of a FIFO topic. The topic's own name is kept in the
/// queue's <see cref="TopicTag"/>, so admin shows it unchanged.
/// </summary>
internal static class Names
{
    public const string FifoSuffix = ".fifo";

    /// <summary>SQS's longest queue name.</summary>
    public const int MaxQueueName = 80;

    /// <summary>Queue tag holding the topic the driver created the queue for.</summary>
    public const string TopicTag = "omnibus-topic";

    /// <summary>Queue tag holding the one group that consumes the queue.</summary>
    public const string GroupTag = "omnibus-group";

    public static bool IsFifo(string topic) => topic.EndsWith(FifoSuffix, StringComparison.Ordinal);

    /// <summary>The queue name of <paramref name="topic"/> (a valid topic name), or an error naming the limit.</summary>
    public static string Queue(string topic)
    {
        var fifo = IsFifo(topic);
        var stem = (fifo ? topic[..^FifoSuffix.Length] : topic).Replace('.', '_');
        var name = fifo ? stem + FifoSuffix : stem;
        if (name.Length > MaxQueueName || stem.Length == 0)
        {
            throw new OmnibusConfigurationException("Topic", $"Topic '{topic}' is too long for the sqs:// driver: its queue name '{name}' has {name.Length} characters, allowed are 1 to {MaxQueueName} (SQS queue names, '.fifo' included).");
        }

        return name;
    }

    /// <summary>The queue name in a queue URL (its last path segment).</summary>
    public static string QueueOfUrl(string queueUrl) => queueUrl[(queueUrl.TrimEnd('/').LastIndexOf('/') + 1)..].TrimEnd('/');
}
