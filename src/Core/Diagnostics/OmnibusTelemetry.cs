using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Omnibus.Diagnostics;

/// <summary>
/// The names Omnibus reports telemetry under: traces from the <see cref="ActivitySourceName"/> activity source
/// (OpenTelemetry messaging semantic conventions, W3C <c>traceparent</c> carried in message headers) and metrics
/// from the <see cref="MeterName"/> meter. Subscribe to both names to collect them.
/// </summary>
public static class OmnibusTelemetry
{
    /// <summary>The activity source and meter name: <c>Omnibus</c>.</summary>
    public const string ActivitySourceName = "Omnibus";

    /// <summary>The meter name: <c>Omnibus</c>.</summary>
    public const string MeterName = "Omnibus";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(OmnibusTelemetry).Assembly.GetName().Version?.ToString());
    internal static readonly Meter Meter = new(MeterName, typeof(OmnibusTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Published = Meter.CreateCounter<long>("omnibus.messages.published", "{message}", "Messages acknowledged by the broker on publish.");
    internal static readonly Counter<long> PublishFailed = Meter.CreateCounter<long>("omnibus.messages.publish_failed", "{message}", "Messages whose publish was not acknowledged.");
    internal static readonly Counter<long> Delivered = Meter.CreateCounter<long>("omnibus.messages.delivered", "{message}", "Deliveries handed to a handler.");
    internal static readonly Counter<long> Acked = Meter.CreateCounter<long>("omnibus.messages.acked", "{message}", "Deliveries acknowledged after the handler succeeded.");
    internal static readonly Counter<long> Nacked = Meter.CreateCounter<long>("omnibus.messages.nacked", "{message}", "Deliveries rejected for redelivery after the handler failed.");
    internal static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("omnibus.messages.dead_lettered", "{message}", "Messages moved to a dead-letter topic after the last attempt.");
    internal static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>("omnibus.handler.duration", "ms", "Handler run time per message or batch.");
    internal static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>("omnibus.messages.in_flight", "{message}", "Messages being handled now.");

    /// <summary>Whether any per-message instrument has a listener; when none has, the runner skips them all.</summary>
    internal static bool AnyMetricEnabled =>
        Delivered.Enabled || Acked.Enabled || Nacked.Enabled || DeadLettered.Enabled || HandlerDuration.Enabled || InFlight.Enabled;

    internal static TagList Tags(string system, string topic, string? group = null)
    {
        var tags = new TagList
        {
            { "messaging.system", system },
            { "messaging.destination.name", topic },
        };
        if (group is not null)
        {
            tags.Add("messaging.consumer.group.name", group);
        }

        return tags;
    }
}
