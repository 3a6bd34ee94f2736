using System.Diagnostics;
using System.Diagnostics.Metrics;
using Omnibus.Conformance;
using Omnibus.Diagnostics;
using Xunit;

namespace Omnibus.Tests;

[Collection(nameof(TelemetryTests))] // listeners are process-wide: keep these tests from overlapping
public sealed class TelemetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Trace_SpansPublisherConsumerAndItsOutputs_InOneTrace()
    {
        var topic = "trace-in-" + Guid.NewGuid().ToString("N");
        var activities = new Recorder<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == OmnibusTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (a.GetTagItem("messaging.destination.name") is string t && t.StartsWith("trace-", StringComparison.Ordinal) && t.EndsWith(topic[9..], StringComparison.Ordinal)) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var outTopic = "trace-out-" + topic[9..];
        await using var broker = Broker.Connect("memory://");
        var final = new Recorder<Message>();
        await using var relay = await broker.SubscribeAsync(new SubscriptionOptions(topic, "relay"), async (m, ct) => await broker.PublishAsync(outTopic, Message.FromString("out"), ct));
        await using var sink = await broker.SubscribeAsync(new SubscriptionOptions(outTopic, "sink"), (m, _) => { final.Add(m); return default; });

        await broker.PublishAsync(topic, Message.FromString("in"));
        await final.WaitForCountAsync(1, Timeout);

        // The sink's handler can run before the relay's handler returns, so the relay's span (and the span of its
        // publish) may stop after the message arrived: wait for the stopped spans themselves, then close both
        // subscriptions so that no later span could slip in unseen.
        await activities.WaitForCountAsync(4, Timeout);
        await relay.CloseAsync();
        await sink.CloseAsync();

        var spans = activities.Items;
        Assert.Equal(4, spans.Count); // send in, process in, send out, process out
        Assert.Single(spans.Select(a => a.TraceId).Distinct());
        var sendIn = spans.Single(a => a.Kind == ActivityKind.Producer && a.DisplayName == "send " + topic);
        var processIn = spans.Single(a => a.Kind == ActivityKind.Consumer && a.DisplayName == "process " + topic);
        var sendOut = spans.Single(a => a.Kind == ActivityKind.Producer && a.DisplayName == "send " + outTopic);
        var processOut = spans.Single(a => a.Kind == ActivityKind.Consumer && a.DisplayName == "process " + outTopic);
        Assert.Equal(sendIn.SpanId, processIn.ParentSpanId);
        Assert.Equal(processIn.SpanId, sendOut.ParentSpanId);
        Assert.Equal(sendOut.SpanId, processOut.ParentSpanId);
        Assert.Equal("relay", processIn.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("memory", sendIn.GetTagItem("messaging.system"));
        Assert.StartsWith("00-" + sendOut.TraceId, final.Items[0].GetHeader(HeaderNames.TraceParent), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_CountPublishedAckedNackedAndDeadLettered()
    {
        var topic = "metrics-" + Guid.NewGuid().ToString("N");
        var measurements = new Recorder<(string Instrument, long Value)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == OmnibusTelemetry.MeterName) { l.EnableMeasurementEvents(instrument); } },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "messaging.destination.name" && (string?)tag.Value == topic)
                {
                    measurements.Add((instrument.Name, value));
                }
            }
        });
        listener.Start();
        await using var broker = Broker.Connect("memory://");
        var dead = new Recorder<Message>();
        await using var dlq = await broker.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", "d"), (m, _) => { dead.Add(m); return default; });
        var ok = new Recorder<Message>();
        var options = new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 2, Backoff = RetryBackoff.None };
        await using var sub = await broker.SubscribeAsync(options, (m, _) =>
        {
            if (m.GetString() == "bad")
            {
                throw new InvalidOperationException("bad");
            }

            ok.Add(m);
            return default;
        });
        await broker.PublishAsync(topic, Message.FromString("good"));
        await broker.PublishAsync(topic, Message.FromString("bad"));
        await dead.WaitForCountAsync(1, Timeout);
        await ok.WaitForCountAsync(1, Timeout);

        // Counters are recorded after the handler returns (acked after the ack, dead_lettered after the dead-letter
        // publish, which the dead-letter subscriber can see first): wait for the last measurement of each message.
        await measurements.WaitUntilAsync(
            m => m.Any(x => x.Instrument == "omnibus.messages.acked") && m.Any(x => x.Instrument == "omnibus.messages.dead_lettered"),
            Timeout,
            "the acked and dead_lettered measurements");
        await sub.CloseAsync();

        var totals = measurements.Items.GroupBy(m => m.Instrument).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
        Assert.Equal(2, totals["omnibus.messages.published"]);
        Assert.Equal(3, totals["omnibus.messages.delivered"]); // good once, bad twice
        Assert.Equal(1, totals["omnibus.messages.acked"]); // only "good": a dead-lettered message counts as dead_lettered
        Assert.Equal(1, totals["omnibus.messages.nacked"]);
        Assert.Equal(1, totals["omnibus.messages.dead_lettered"]);
        Assert.Equal(0, totals["omnibus.messages.in_flight"]);
    }
}
