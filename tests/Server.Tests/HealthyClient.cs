using System.Diagnostics;

namespace Omnibus.Server.Tests;

/// <summary>
/// A well-behaved client that keeps round-tripping messages (publish one, wait until its own subscription gets it)
/// until stopped, recording latencies and the first error. Robustness tests run it beside the abuse and check that it
/// never failed and kept making progress.
/// </summary>
internal sealed class HealthyClient : IAsyncDisposable
{
    private static readonly TimeSpan RoundTripTimeout = TimeSpan.FromSeconds(20);
    private readonly Broker _broker;
    private readonly SemaphoreSlim _received = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _latencies = [];
    private ISubscription? _subscription;
    private Task _loop = Task.CompletedTask;

    private HealthyClient(Broker broker) => _broker = broker;

    public int RoundTrips { get { lock (_latencies) { return _latencies.Count; } } }

    public Exception? Error { get; private set; }

    public static async Task<HealthyClient> StartAsync(string connectionString, string topic)
    {
        var client = new HealthyClient(Broker.Connect(connectionString));
        client._subscription = await client._broker.SubscribeAsync(new SubscriptionOptions(topic, "healthy"), (_, _) =>
        {
            client._received.Release();
            return default;
        });
        client._loop = Task.Run(() => client.RunAsync(topic));
        return client;
    }

    /// <summary>Stops and returns the round-trip latencies in milliseconds, sorted.</summary>
    public async Task<double[]> StopAsync()
    {
        _stop.Cancel();
        await _loop;
        lock (_latencies)
        {
            return [.. _latencies.Order()];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync();
        }

        await _broker.DisposeAsync();
    }

    private async Task RunAsync(string topic)
    {
        try
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var watch = Stopwatch.StartNew();
                await _broker.PublishAsync(topic, Message.FromString($"healthy-{i}"));
                if (!await _received.WaitAsync(RoundTripTimeout))
                {
                    throw new TimeoutException($"Round trip {i} took longer than {RoundTripTimeout.TotalSeconds} s.");
                }

                lock (_latencies)
                {
                    _latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }
        catch (Exception e)
        {
            Error = e;
        }
    }
}
