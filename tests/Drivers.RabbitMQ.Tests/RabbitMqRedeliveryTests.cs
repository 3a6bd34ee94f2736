using System.Diagnostics;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Redelivery through the retry TTL queues: attempt numbers and delays.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqRedeliveryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly RabbitMqServer _server;

    public RabbitMqRedeliveryTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task Nack_WithBackoff_RedeliveredNoEarlierThanTheDelay_AttemptsCounted()
    {
        _server.Require();
        var topic = "nack-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        var clock = Stopwatch.StartNew();
        var seen = new Recorder<(int Attempt, TimeSpan At, string? Key, string? Header)>();
        var options = new SubscriptionOptions(topic, "g")
        {
            MaxDeliveryAttempts = 10,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(300), Max = TimeSpan.FromMilliseconds(300), Jitter = false },
        };
        await using var sub = await broker.SubscribeAsync(options, (m, _) =>
        {
            seen.Add((m.DeliveryAttempt, clock.Elapsed, m.Key, m.GetHeader("h")));
            return m.DeliveryAttempt < 4 ? throw new InvalidOperationException("again") : default;
        });
        var message = new Message(new byte[] { 1 }) { Key = "k-1" };
        message.Headers["h"] = "v";
        await broker.PublishAsync(topic, message);

        await seen.WaitForCountAsync(4, Timeout);
        Assert.Equal([1, 2, 3, 4], seen.Items.Select(s => s.Attempt));
        Assert.All(seen.Items, s => Assert.Equal(("k-1", "v"), (s.Key, s.Header)));
        for (var i = 1; i < 4; i++)
        {
            var gap = seen.Items[i].At - seen.Items[i - 1].At;
            Assert.True(gap >= TimeSpan.FromMilliseconds(290), $"attempt {i + 1} came {gap.TotalMilliseconds} ms after attempt {i}");
        }
    }
}
