using System.Text.Json;
using Microsoft.Azure.WebJobs.Hosting;

namespace Omnibus.Bindings;

/// <summary>
/// Extension-wide defaults, read from host.json under <c>extensions.broker</c> (every key optional) and from
/// <see cref="OmnibusWebJobsBuilderExtensions.AddOmnibus"/>. Validated when the host starts: a value out of range or an
/// unknown key fails the start with a message naming it. Logged at start, with passwords hidden.
/// </summary>
/// <example><code>
/// { "version": "2.0", "extensions": { "broker": { "maxConcurrency": 8, "maxDeliveryAttempts": 3, "drainTimeout": "00:00:10" } } }
/// </code></example>
public sealed class BrokerOptions : IOptionsFormatter
{
    /// <summary>
    /// The connection used when a binding names no setting and there is no <c>OmnibusConnection</c> setting either:
    /// the durable embedded broker, with its data in <c>.omnibus</c> under the current directory (or
    /// <c>$OMNIBUS_DATA_DIR</c>), so a function app runs with nothing installed.
    /// </summary>
    public const string DefaultConnectionString = "embedded://";

    /// <summary>See <see cref="DefaultConnectionString"/>.</summary>
    public string DefaultConnection { get; set; } = DefaultConnectionString;

    /// <summary>
    /// Messages (or batches) one function handles at once on one instance, unless its attribute says otherwise.
    /// Default 16: enough to hide I/O latency in typical functions; 1 gives strict one-at-a-time processing. 1 to 10000.
    /// </summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>Deliveries before a failing message is dead-lettered, counting the first. Default 5; 1 to 1000.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>Delay before the first redelivery (doubling, with jitter, up to <see cref="BackoffMax"/>). Default 100 ms. Also paces resubscribing while a broker is down.</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay between redeliveries. Default 30 s; at least <see cref="BackoffInitial"/>.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The dead-letter topic of a trigger that sets none, with placeholders <c>{topic}</c> and <c>{group}</c>. Default <c>{topic}.dlq</c>.</summary>
    public string DeadLetterTopic { get; set; } = "{topic}.dlq";

    /// <summary>On shutdown, how long in-flight invocations get to finish before their messages are left to redelivery. Default 30 s; 0 to 10 minutes.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether every trigger of the app skips a message whose id its group already handled (the idempotent-consumer
    /// middleware, remembering the last 100,000 ids per process). With the stable output ids of a retried invocation,
    /// a downstream function then handles each output once even on a broker that cannot deduplicate. Default false.
    /// </summary>
    public bool IdempotentConsumer { get; set; }

    /// <summary>
    /// The registry resolving connection strings. Code only (not host.json); null: <see cref="BrokerRegistry.Default"/>,
    /// which finds every driver package the app references.
    /// </summary>
    public BrokerRegistry? Registry { get; set; }

    /// <summary>The options as JSON for the host's start-up log, with any password in <see cref="DefaultConnection"/> hidden.</summary>
    public string Format() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        [nameof(DefaultConnection)] = Triggers.Internal.ConnectionResolver.Redact(DefaultConnection),
        [nameof(MaxConcurrency)] = MaxConcurrency,
        [nameof(MaxDeliveryAttempts)] = MaxDeliveryAttempts,
        [nameof(BackoffInitial)] = BackoffInitial.ToString(),
        [nameof(BackoffMax)] = BackoffMax.ToString(),
        [nameof(DeadLetterTopic)] = DeadLetterTopic,
        [nameof(DrainTimeout)] = DrainTimeout.ToString(),
        [nameof(IdempotentConsumer)] = IdempotentConsumer,
    }, new JsonSerializerOptions { WriteIndented = true });
}
