using Microsoft.Azure.Functions.Worker.Converters;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Omnibus.Worker;

/// <summary>
/// Runs the function for each message of <see cref="Topic"/> (or each batch, with <see cref="IsBatched"/>). The host
/// runs the trigger through the Omnibus WebJobs extension: the message is acknowledged when the function succeeds,
/// redelivered with a backoff when it throws, and dead-lettered after <see cref="MaxDeliveryAttempts"/>.
/// </summary>
/// <remarks>
/// Parameter types: <see cref="string"/>, <see cref="byte"/>[], <see cref="BrokerMessage"/>, or a POCO decoded from
/// JSON; in batch mode an array of any of these. Binding data (<c>MessageId</c>, <c>Key</c>, <c>Topic</c>,
/// <c>DeliveryAttempt</c>, <c>Headers</c>) is in <c>FunctionContext.BindingContext.BindingData</c>. The properties
/// are those of the in-process <c>Omnibus.Triggers.BrokerTriggerAttribute</c>, by name and type: the host builds
/// that attribute from functions.metadata.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter)]
[InputConverter(typeof(BrokerMessageConverter))]
[ConverterFallbackBehavior(ConverterFallbackBehavior.Default)]
public sealed class BrokerTriggerAttribute : TriggerBindingAttribute
{
    /// <summary>Consumes <paramref name="topic"/>.</summary>
    public BrokerTriggerAttribute(string topic) => Topic = topic;

    /// <summary>The topic to consume (may name an app setting as <c>%Setting%</c>).</summary>
    public string Topic { get; }

    /// <summary>The app setting holding the broker's connection string. Null: <c>OmnibusConnection</c>, then the extension's default.</summary>
    public string? Connection { get; set; }

    /// <summary>The consumer group. Null: the function name.</summary>
    public string? Group { get; set; }

    /// <summary>How many messages (or batches) run at once on this instance. 0: the extension's default.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>Deliveries before a failing message is dead-lettered, counting the first. 0: the extension's default.</summary>
    public int MaxDeliveryAttempts { get; set; }

    /// <summary>Where messages go after the last failed attempt. Null: the extension's dead-letter naming.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Where a group that does not exist yet starts. Default <see cref="StartPosition.Default"/>: the driver's own.</summary>
    public StartPosition StartFrom { get; set; } = StartPosition.Default;

    /// <summary>Whether messages with the same key run one at a time, in order. Default <see cref="Worker.OrderBy.None"/>.</summary>
    public OrderBy OrderBy { get; set; } = OrderBy.None;

    /// <summary>Whether the function receives batches (an array). Written to functions.metadata as
    /// <c>cardinality</c> (<c>Many</c> or <c>One</c>); the default must be declared for Worker.Sdk's generator.</summary>
    [DefaultValue(false)]
    public bool IsBatched { get; set; }

    /// <summary>
    /// Whether the function may run on an at-most-once connection (e.g. <c>embedded://?qos=0</c>), where a message is
    /// settled when it is handed out, so a failing invocation is neither retried nor dead-lettered. Default false: such
    /// a connection fails the host's start.
    /// </summary>
    [DefaultValue(false)]
    public bool AcceptAtMostOnce { get; set; }

    /// <summary>Batch mode: the most messages in one batch. 0: 100.</summary>
    public int MaxBatchSize { get; set; }

    /// <summary>Batch mode: how long a batch may wait to fill, as a TimeSpan (<c>00:00:00.250</c>). Null: 100 ms.</summary>
    public string? MaxBatchWait { get; set; }
}
