using Amazon.SQS.Model;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>SQS's limits: 10 attributes (more headers are packed), the message size, DelaySeconds up to 900, 10 entries per batch call.</summary>
[Collection(SqsCollection.Name)]
public sealed class SqsLimitTests(FauxqsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task TwelveHeaders_PackedIntoOneAttribute_AllComeBack()
    {
        server.Require();
        var topic = "packed-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var message = Message.FromString("many headers");
        for (var i = 0; i < 12; i++)
        {
            message.Headers[$"h{i}"] = $"v{i}";
        }

        message.Headers["not a valid attribute name"] = "still carried";
        await broker.PublishAsync(topic, message);

        using var raw = server.RawClient();
        var url = (await raw.GetQueueUrlAsync(topic)).QueueUrl;
        var received = await raw.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageAttributeNames = ["All"], WaitTimeSeconds = 1, VisibilityTimeout = 0 });
        var sqs = Assert.Single(received.Messages);
        Assert.InRange(sqs.MessageAttributes.Count, 1, 10);
        Assert.Contains("\"h11\":\"v11\"", sqs.MessageAttributes[SqsAttributeNames.Headers].StringValue, StringComparison.Ordinal);

        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(1, Timeout);
        }

        var back = seen.Items.Single();
        Assert.Equal(13, back.Headers.Count);
        Assert.Equal("v11", back.GetHeader("h11"));
        Assert.Equal("still carried", back.GetHeader("not a valid attribute name"));
    }

    [ConformanceFact]
    public async Task Publish_LargerThanMaxMessageSize_FailsNamingTheLimit()
    {
        server.Require();
        await using var broker = Broker.Connect(server.ConnectionString);
        var error = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync("big-" + Guid.NewGuid().ToString("N")[..8], Message.FromString(new string('x', 262_144))));
        Assert.Contains("allowed are 262144 bytes at most", error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Publish_DeliverAfterBeyond900Seconds_OrOnFifo_Refused()
    {
        await using var broker = Broker.Connect("sqs://?endpoint=http://127.0.0.1:9");
        var tooLong = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("t", new Message(new byte[] { 1 }) { DeliverAfter = TimeSpan.FromSeconds(901) }));
        Assert.Contains("900 seconds at most", tooLong.Message, StringComparison.Ordinal);
        var fifo = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () =>
            await broker.PublishAsync("t.fifo", new Message(new byte[] { 1 }) { DeliverAfter = TimeSpan.FromSeconds(1) }));
        Assert.Contains("FIFO", fifo.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task PublishBatch_25Messages_ChunkedToSqsLimitOf10_AllDelivered()
    {
        server.Require();
        var topic = "batch-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var messages = Enumerable.Range(0, 25).Select(i => Message.FromString($"m{i}")).ToList();
        var result = await broker.PublishBatchAsync(topic, messages);
        Assert.True(result.AllSucceeded);
        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g") { Concurrency = 4 }, (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(25, Timeout);
        }

        Assert.Equal(messages.Select(m => m.Id).Order(), seen.Items.Select(m => m.Id).Distinct().Order());
    }
}
