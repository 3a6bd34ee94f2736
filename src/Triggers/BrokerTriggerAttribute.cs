using Microsoft.Azure.WebJobs.Description;

namespace Omnibus.Triggers;

/// <summary>
/// Runs the function for each message of <see cref="Topic"/> (or each batch, with <see cref="IsBatched"/>).
/// The message is acknowledged when the function succeeds; when it throws, fails to bind (e.g. a body that is not
/// valid JSON for a POCO parameter) or its outputs cannot be published, the message is redelivered after a backoff,
/// and after <see cref="MaxDeliveryAttempts"/> it goes to the dead-letter topic with the error in its headers.
/// A body that cannot be decoded is dead-lettered at once.
/// </summary>
/// <remarks>
/// Parameter types: <see cref="string"/>, <see cref="byte"/>[], <see cref="ReadOnlyMemory{T}"/> of bytes,
/// <see cref="Message"/>, or a POCO decoded from JSON; in batch mode arrays or lists of these, or
/// <see cref="MessageBatch"/> to fail single entries. Every string property may name app settings as
/// <c>%Setting%</c>. Binding data for other bindings' expressions: <c>Topic</c>, <c>MessageId</c>, <c>Key</c>,
/// <c>DeliveryAttempt</c>, <c>Headers</c> and the POCO's members.
/// </remarks>
[Binding]
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class BrokerTriggerAttribute : Attribute
{
    /// <summary>Consumes <paramref name="topic"/>.</summary>
    public BrokerTriggerAttribute(string topic) => Topic = topic;

    /// <summary>The topic to consume.</summary>
    public string Topic { get; }

    /// <summary>
    /// The name of the app setting (or connection string) that holds the broker's connection string.
    /// Null: the setting <c>OmnibusConnection</c>, and when that is absent too, the extension's default connection.
    /// </summary>
    public string? Connection { get; set; }

    /// <summary>The consumer group. Null: the function name.</summary>
    public string? Group { get; set; }

    /// <summary>How many messages (or batches) run at once on this instance. 0: the extension's default.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>Deliveries before a failing message is dead-lettered, counting the first. 0: the extension's default.</summary>
    public int MaxDeliveryAttempts { get; set; }

    /// <summary>Where messages go after the last failed attempt. Null: the extension's dead-letter naming (<c>&lt;topic&gt;.dlq</c>).</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Where a group that does not exist yet starts. Default <see cref="StartPosition.Default"/>: the driver's own (Earliest; Latest on amqp://).</summary>
    public StartPosition StartFrom { get; set; } = StartPosition.Default;

    /// <summary>Whether messages with the same key run one at a time, in order. Default <see cref="Triggers.OrderBy.None"/>.</summary>
    public OrderBy OrderBy { get; set; } = OrderBy.None;

    /// <summary>Whether the function receives batches (an array, a list or a <see cref="MessageBatch"/>).</summary>
    public bool IsBatched { get; set; }

    /// <summary>Batch mode: the most messages in one batch. 0: 100.</summary>
    public int MaxBatchSize { get; set; }

    /// <summary>Batch mode: how long to wait for a batch to fill once its first message arrived, as a TimeSpan (<c>00:00:00.250</c>). Null: 100 ms.</summary>
    public string? MaxBatchWait { get; set; }

    /// <summary>
    /// Whether the function may run on an at-most-once connection (<see cref="BrokerFeatures.AtMostOnce"/>, e.g.
    /// <c>embedded://?qos=0</c>), where a message is settled when it is handed out: a failing invocation is then neither
    /// retried nor dead-lettered, and the message is lost. Default false: such a connection fails the host's start.
    /// </summary>
    public bool AcceptAtMostOnce { get; set; }
}
