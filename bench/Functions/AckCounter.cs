using System.Diagnostics.Metrics;
using Omnibus.Diagnostics;

namespace Omnibus.Bench.Functions;

/// <summary>
/// Counts the acknowledgements of one topic (the core's omnibus.messages.acked counter) as invocations: the isolated
/// worker's functions run in another process, so the host's acknowledgement after each successful invocation is what
/// this process sees of them.
/// </summary>
internal sealed class AckCounter : IAsyncDisposable
{
    private readonly MeterListener _listener = new();

    public AckCounter(string topic)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OmnibusTelemetry.MeterName && instrument.Name == "omnibus.messages.acked")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "messaging.destination.name" && (string?)tag.Value == topic)
                {
                    for (var i = 0; i < value; i++)
                    {
                        Invocations.Add();
                    }
                }
            }
        });
        _listener.Start();
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return default;
    }
}
