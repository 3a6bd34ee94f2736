using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Omnibus.Bindings.Tests;
using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Xunit.Abstractions;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>A broker restart in the middle of a run: subscriptions come back by themselves, and nothing the broker confirmed to a publisher is lost.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqRestartTests
{
    private const int Total = 20_000;
    private const int Publishers = 8;
    private readonly RabbitMqServer _server;
    private readonly ITestOutputHelper _output;

    public RabbitMqRestartTests(RabbitMqServer server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    [ConformanceFact]
    public async Task Subscribe_BrokerRestarted_ResubscribesByItself_MessagesPublishedAfterwardsHandled()
    {
        _server.Require();
        var topic = "resubscribe-" + Guid.NewGuid().ToString("N")[..8];
        var sink = new LogSink();
        using var logging = new LoggerFactory([sink]);
        await using var broker = Broker.Connect(_server.ConnectionString, new BrokerClientOptions { LoggerFactory = logging });
        var seen = new Recorder<string>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m.GetString()); return default; });
        await broker.PublishAsync(topic, Message.FromString("before"));
        await seen.WaitUntilAsync(s => s.Contains("before"), TimeSpan.FromSeconds(30), "the message published before the restart");

        await _server.StopNodeAsync();
        await _server.StartAgainAsync();
        await sink.Events.WaitUntilAsync(e => e.Any(x => x.Id.Id == 1012 && x.Text.Contains(topic, StringComparison.Ordinal)), TimeSpan.FromSeconds(90), "the core's 'Resubscribed' log line");

        // The publishing side recovers on its own schedule: retry the publish until the broker confirms it.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await broker.PublishAsync(topic, Message.FromString("after"));
                break;
            }
            catch (PublishException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }

        await seen.WaitUntilAsync(s => s.Contains("after"), TimeSpan.FromSeconds(30), "the message published after the restart");
        Assert.Contains(sink.Events.Items, x => x.Id.Id == 5106 && x.Text.Contains(topic + ":g", StringComparison.Ordinal));
        Assert.Contains(sink.Events.Items, x => x.Id.Id == 1011);
        Assert.False(sub.Completion.IsCompleted);
        foreach (var line in sink.Events.Items.Where(x => x.Id.Id is 1011 or 1012 or 1013 or 5101 or 5102 or 5106))
        {
            _output.WriteLine($"{line.Level} {line.Id.Id} {line.Text}");
        }
    }

    [ConformanceFact]
    public async Task BrokerRestart_MidRun20000Messages_EveryConfirmedMessageHandled()
    {
        _server.Require();
        var clock = Stopwatch.StartNew();
        var topic = "restart-" + Guid.NewGuid().ToString("N")[..8];
        await using var publisher = Broker.Connect(_server.ConnectionString + "&publishTimeout=5s");
        await using var consumer = Broker.Connect(_server.ConnectionString);
        var handled = new ConcurrentDictionary<string, int>();
        await using var subscription = await consumer.SubscribeAsync(
            new SubscriptionOptions(topic, "workers") { Concurrency = 64, Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(100) } },
            (m, _) => { handled.AddOrUpdate(m.Id, 1, (_, n) => n + 1); return default; });

        var confirmed = new ConcurrentDictionary<string, byte>();
        var publishFailures = 0;
        var halfway = new TaskCompletionSource();
        var publishing = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < Total; i += Publishers)
            {
                var id = $"m-{i.ToString(CultureInfo.InvariantCulture)}";
                while (true)
                {
                    try
                    {
                        // A fresh message per try, same id: a retry after an unconfirmed publish may duplicate, never lose.
                        await publisher.PublishAsync(topic, new Message(BitConverter.GetBytes(i)) { Id = id, Key = $"k{i % 16}" });
                        confirmed.TryAdd(id, 0);
                        if (confirmed.Count >= Total / 2)
                        {
                            halfway.TrySetResult();
                        }

                        break;
                    }
                    catch (PublishException)
                    {
                        Interlocked.Increment(ref publishFailures);
                        await Task.Delay(100);
                    }
                }
            }
        })).ToArray();

        await halfway.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var stoppedAt = clock.Elapsed;
        var handledBeforeStop = handled.Count;
        await _server.StopNodeAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await _server.StartAgainAsync();
        var restartedAt = clock.Elapsed;
        await Task.WhenAll(publishing).WaitAsync(TimeSpan.FromMinutes(3));
        var publishedAt = clock.Elapsed;

        var deadline = Stopwatch.StartNew();
        while (confirmed.Keys.Any(id => !handled.ContainsKey(id)) && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(200);
        }

        var missing = confirmed.Keys.Where(id => !handled.ContainsKey(id)).ToList();
        var duplicates = handled.Values.Sum(n => n - 1);
        _output.WriteLine(
            $"confirmed {confirmed.Count}/{Total}, handled distinct {handled.Count}, duplicates {duplicates}, missing {missing.Count}, " +
            $"publish failures retried {publishFailures}; handled before stop {handledBeforeStop}; stopped at {stoppedAt.TotalSeconds:F1}s, " +
            $"back at {restartedAt.TotalSeconds:F1}s, publishing done at {publishedAt.TotalSeconds:F1}s, all handled at {clock.Elapsed.TotalSeconds:F1}s");
        Assert.Equal(Total, confirmed.Count);
        Assert.True(missing.Count == 0, $"{missing.Count} confirmed messages never handled, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(publishFailures > 0, "the outage should have failed some publishes; was the node really stopped mid-run?");
    }
}
