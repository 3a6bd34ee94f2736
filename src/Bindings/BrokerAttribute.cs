using Microsoft.Azure.WebJobs.Description;

namespace Omnibus.Bindings;

/// <summary>
/// Publishes to <see cref="Topic"/> what the function outputs: <c>out T</c>, <c>out T[]</c>,
/// <c>IAsyncCollector&lt;T&gt;</c>, <c>ICollector&lt;T&gt;</c> or <c>[return: Broker]</c>, for T =
/// <see cref="string"/>, <see cref="byte"/>[], a POCO (JSON) or <see cref="Message"/> (to set key, headers or
/// <see cref="Message.DeliverAfter"/> per message).
/// </summary>
/// <remarks>
/// Outputs are buffered and published only when the function has succeeded, as one batch per binding. The publish is
/// awaited: when the broker does not acknowledge it, the invocation fails, so its trigger message is redelivered.
/// A failed invocation publishes nothing. Every property takes binding expressions such as <c>{Key}</c>,
/// <c>{OrderId}</c> (a member of the trigger's POCO) or <c>%Setting%</c>.
/// </remarks>
[Binding]
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue)]
public sealed class BrokerAttribute : Attribute
{
    /// <summary>The header that carries <see cref="CorrelationId"/>.</summary>
    public const string CorrelationIdHeader = "correlation-id";

    /// <summary>Publishes to <paramref name="topic"/>.</summary>
    public BrokerAttribute(string topic) => Topic = topic;

    /// <summary>The topic to publish to.</summary>
    [AutoResolve]
    public string Topic { get; }

    /// <summary>
    /// The name of the app setting (or connection string) holding the broker's connection string. Null: the setting
    /// <c>OmnibusConnection</c>, and when that is absent too, the extension's default connection.
    /// </summary>
    [AutoResolve]
    public string? Connection { get; set; }

    /// <summary>The key of every published message that does not set its own.</summary>
    [AutoResolve]
    public string? Key { get; set; }

    /// <summary>A correlation id written to the <see cref="CorrelationIdHeader"/> header of every published message.</summary>
    [AutoResolve]
    public string? CorrelationId { get; set; }

    /// <summary>Headers for every published message, as <c>name=value</c> pairs separated by <c>;</c>, e.g. <c>source=orders;order={OrderId}</c>.</summary>
    [AutoResolve]
    public string? Headers { get; set; }
}
