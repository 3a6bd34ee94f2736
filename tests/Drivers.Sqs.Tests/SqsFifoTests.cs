using Amazon.SQS.Model;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>A <c>.fifo</c> topic is a FIFO queue: the key is the MessageGroupId (order per key), the IdempotencyId the deduplication id.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsFifoTests(FauxqsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task FifoTopic_SameIdempotencyIdTwice_StoredOnce_AndKeyIsTheMessageGroup()
    {
        server.Require();
        var topic = "dedupe-" + Guid.NewGuid().ToString("N")[..8] + ".fifo";
        await using var broker = Broker.Connect(server.ConnectionString);
        await broker.PublishAsync(topic, new Message(Message.FromString("once").Body) { Id = "a", Key = "k1", IdempotencyId = "logical-1" });
        await broker.PublishAsync(topic, new Message(Message.FromString("once").Body) { Id = "b", Key = "k1", IdempotencyId = "logical-1" });
        await broker.PublishAsync(topic, new Message(Message.FromString("after").Body) { Id = "c", Key = "k1" });

        using var raw = server.RawClient();
        var url = (await raw.GetQueueUrlAsync(topic.Replace(".fifo", "", StringComparison.Ordinal).Replace('.', '_') + ".fifo")).QueueUrl;
        var attributes = await raw.GetQueueAttributesAsync(url, ["FifoQueue", "ApproximateNumberOfMessages"]);
        Assert.Equal("true", attributes.Attributes["FifoQueue"]);
        Assert.Equal(2, attributes.ApproximateNumberOfMessages);

        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(2, Timeout);
        }

        Assert.Equal(["a", "c"], seen.Items.Select(m => m.Id));
        Assert.All(seen.Items, m => Assert.Equal("k1", m.Key));
    }

    [ConformanceFact]
    public async Task FifoTopic_200MessagesOn5Keys_EachKeyInPublishOrder()
    {
        server.Require();
        var topic = "order-" + Guid.NewGuid().ToString("N")[..8] + ".fifo";
        await using var broker = Broker.Connect(server.ConnectionString);
        var messages = Enumerable.Range(0, 200).Select(i => new Message(BitConverter.GetBytes(i)) { Id = $"m{i}", Key = $"k{i % 5}" }).ToList();
        Assert.True((await broker.PublishBatchAsync(topic, messages)).AllSucceeded);

        using var raw = server.RawClient();
        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(200, Timeout);
        }

        foreach (var key in seen.Items.GroupBy(m => m.Key))
        {
            var order = key.Select(m => BitConverter.ToInt32(m.Body.Span)).ToList();
            Assert.Equal(order.Order(), order);
        }
    }
}
