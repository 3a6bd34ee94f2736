using Omnibus.Conformance;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance.Xunit;
using Omnibus.Middleware;
using RabbitMQ.Client;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// Dead letters on amqp:// with nothing bound to the dead-letter topic: kept in the replay group's durable queue, and
/// the original acknowledged only after RabbitMQ confirmed the dead letter (a failed dead-letter publish leaves it unacked).
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqDeadLetterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly RetryBackoff Fast = new() { Initial = TimeSpan.FromMilliseconds(5), Max = TimeSpan.FromMilliseconds(50) };
    private readonly RabbitMqServer _server;

    public RabbitMqDeadLetterTests(RabbitMqServer server) => _server = server;

    [ConformanceFact]
    public async Task DeadLetter_NothingBound_KeptInTheReplayGroupsDurableQueue_OriginalAcked()
    {
        _server.Require();
        var topic = "unbound-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(_server.ConnectionString);
        await using var raw = await RawAsync();
        var attempts = await FailTwiceAsync(broker, topic);

        Assert.Equal(2, attempts.Count);
        Assert.Equal(1u, await ReadyAsync(raw, $"{topic}.dlq:{DeadLetterReplayOptions.DefaultGroup}"));
        Assert.Equal(0u, await ReadyAsync(raw, $"{topic}:g"));
        Assert.Equal(1, Assert.Single(await broker.Admin!.GetGroupsAsync(topic, default)).DeadLettered);
    }

    [ConformanceFact]
    public async Task DeadLetterPublishFails_OriginalNotAcked_DeadLetteredOnceTheTopicCanTakeIt()
    {
        _server.Require();
        var topic = "refused-" + Guid.NewGuid().ToString("N")[..8];
        await using var raw = await RawAsync();

        // An exchange of another type under the dead-letter topic's name: the driver's declaration is refused, so
        // every dead-letter publish fails until the test removes it.
        await using (var channel = await raw.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(topic + ".dlq", ExchangeType.Fanout, durable: false, autoDelete: false);
        }

        using var logs = new CapturingLoggerFactory();
        await using var broker = Broker.Connect(_server.ConnectionString, new BrokerClientOptions { LoggerFactory = logs });
        var attempts = new Recorder<Message>();
        var poison = new Message("poison"u8.ToArray()) { Id = Guid.NewGuid().ToString("N") };
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 2, Backoff = Fast, DrainTimeout = TimeSpan.FromSeconds(5) }, (m, _) =>
        {
            attempts.Add(m);
            throw new InvalidOperationException("poison");
        }))
        {
            await broker.PublishAsync(topic, poison);

            // Past MaxDeliveryAttempts the handler no longer runs; each failed dead-letter publish leaves the original
            // unacknowledged, so it comes back and is dead-lettered again: twice failed means it came back at least once.
            await attempts.WaitForCountAsync(2, Timeout);
            await WaitAsync(() => Task.FromResult(logs.Messages.Count(m => m.Contains($"Dead-lettering message {poison.Id}", StringComparison.Ordinal) && m.Contains("failed", StringComparison.Ordinal)) >= 2), "two failed dead-letter publishes of the original");
            await using (var channel = await raw.CreateChannelAsync())
            {
                await channel.ExchangeDeleteAsync(topic + ".dlq");
            }

            await WaitAsync(async () => await ReadyAsync(raw, $"{topic}.dlq:{DeadLetterReplayOptions.DefaultGroup}") == 1, "the dead letter in the replay group's queue");
        }

        // Closed: an unacknowledged original would be back in the group's queue now.
        Assert.All(attempts.Items, m => Assert.Equal(poison.Id, m.Id));
        Assert.Equal(0u, await ReadyAsync(raw, $"{topic}:g"));
        Assert.Equal(1u, await ReadyAsync(raw, $"{topic}.dlq:{DeadLetterReplayOptions.DefaultGroup}"));
    }

    [ConformanceFact]
    public async Task DeadLetterPublish_ReplayGroupsQueueDeleted_IsReturnedAsUnroutable_ThenDeclaredAgain()
    {
        _server.Require();
        var topic = "returned-" + Guid.NewGuid().ToString("N")[..8] + ".dlq";
        var keeper = $"{topic}:{DeadLetterReplayOptions.DefaultGroup}";
        await using var broker = Broker.Connect(_server.ConnectionString);
        await using var raw = await RawAsync();
        await broker.PublishAsync(topic, DeadLetterCopy("first"));
        Assert.Equal(1u, await ReadyAsync(raw, keeper));

        // Someone deletes the queue behind the driver's back: RabbitMQ returns the mandatory publish, never drops it silently.
        await using (var channel = await raw.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(keeper);
        }

        var error = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync(topic, DeadLetterCopy("second")));
        Assert.Contains("unroutable", error.Message, StringComparison.Ordinal);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);

        await broker.PublishAsync(topic, DeadLetterCopy("third"));
        Assert.Equal(1u, await ReadyAsync(raw, keeper));
    }

    private static Message DeadLetterCopy(string body) =>
        DeadLetter.Create(new Message(System.Text.Encoding.UTF8.GetBytes(body)) { Topic = "orders" }, new InvalidOperationException("failed"), "g", DateTimeOffset.UtcNow);

    private static async Task<IReadOnlyList<Message>> FailTwiceAsync(IBroker broker, string topic)
    {
        var attempts = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { MaxDeliveryAttempts = 2, Backoff = Fast, DrainTimeout = TimeSpan.FromSeconds(5) }, (m, _) =>
        {
            attempts.Add(m);
            throw new InvalidOperationException("poison");
        }))
        {
            await broker.PublishAsync(topic, new Message("poison"u8.ToArray()));
            await attempts.WaitForCountAsync(2, Timeout);
        }

        return attempts.Items;
    }

    private async Task<IConnection> RawAsync() =>
        await new ConnectionFactory { Port = _server.Port, HostName = "127.0.0.1" }.CreateConnectionAsync();

    /// <summary>Ready messages of <paramref name="queue"/>; 0 when it does not exist (yet).</summary>
    private static async Task<uint> ReadyAsync(IConnection raw, string queue)
    {
        await using var channel = await raw.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {Timeout} waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
