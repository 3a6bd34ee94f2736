using System.Diagnostics;
using Amazon.SQS.Model;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>
/// The attempt is SQS's ApproximateReceiveCount, kept by the service for the message, not by any consumer process:
/// a receive by a consumer that died without settling counts, and a nack's delay is the visibility timeout.
/// </summary>
[Collection(SqsCollection.Name)]
public sealed class SqsAttemptTests(FauxqsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task ReceivedByAConsumerThatDied_NextDeliveryIsAttemptTwo_BeyondMaxAttemptsDeadLetteredUnhandled()
    {
        server.Require();
        var topic = "attempts-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var poison = Message.FromString("kills its consumer");
        await broker.PublishAsync(topic, poison);

        // A consumer process receives it and dies before settling: SQS counted the receive.
        using var raw = server.RawClient();
        var url = (await raw.GetQueueUrlAsync(topic)).QueueUrl;
        var died = await raw.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, VisibilityTimeout = 1, WaitTimeSeconds = 1 });
        Assert.Single(died.Messages);

        var dead = new Recorder<Message>();
        var handled = new Recorder<Message>();
        await using var dlq = await broker.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", "audit"), (m, _) => { dead.Add(m); return default; });
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 1 }, (m, _) => { handled.Add(m); return default; }))
        {
            await dead.WaitForCountAsync(1, Timeout);
        }

        Assert.Empty(handled.Items); // arrived as attempt 2 of 1: dead-lettered without running the handler
        var letter = dead.Items.Single();
        Assert.Equal(poison.Id, letter.Id);
        Assert.Equal(typeof(DeliveryAttemptsExhaustedException).FullName, letter.GetHeader(HeaderNames.ErrorType));
        Assert.Equal(topic, letter.GetHeader(HeaderNames.OriginalTopic));
    }

    [ConformanceFact]
    public async Task Nack_WithBackoff_RedeliveredNoEarlierThanTheDelay_AttemptsCounted()
    {
        server.Require();
        var topic = "nack-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var clock = Stopwatch.StartNew();
        var seen = new Recorder<(int Attempt, TimeSpan At)>();
        var options = new SubscriptionOptions(topic, "g")
        {
            MaxDeliveryAttempts = 10,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(1200), Max = TimeSpan.FromMilliseconds(1200), Jitter = false },
        };
        await using var sub = await broker.SubscribeAsync(options, (m, _) =>
        {
            seen.Add((m.DeliveryAttempt, clock.Elapsed));
            return m.DeliveryAttempt < 3 ? throw new InvalidOperationException("again") : default;
        });
        await broker.PublishAsync(topic, Message.FromString("retry me"));

        await seen.WaitForCountAsync(3, Timeout);
        Assert.Equal([1, 2, 3], seen.Items.Select(s => s.Attempt));
        for (var i = 1; i < 3; i++)
        {
            // 1.2 s rounded up to SQS's whole seconds: 2 s of visibility.
            Assert.True(seen.Items[i].At - seen.Items[i - 1].At >= TimeSpan.FromSeconds(1.9), $"redelivered after {seen.Items[i].At - seen.Items[i - 1].At}");
        }
    }
}
