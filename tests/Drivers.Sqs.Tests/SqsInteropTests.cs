using System.Text;
using Amazon.SQS.Model;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>
/// Another team's service on the plain AWSSDK.SQS client: what it sends with message attributes is consumed with them
/// as headers, and what Omnibus publishes it reads as text with the attributes docs/drivers/sqs.md names.
/// </summary>
[Collection(SqsCollection.Name)]
public sealed class SqsInteropTests(FauxqsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [ConformanceFact]
    public async Task PlainClientMessage_WithAttributes_ConsumedWithBodyAndHeaders()
    {
        server.Require();
        var topic = "interop-in-" + Guid.NewGuid().ToString("N")[..8];
        using var raw = server.RawClient();
        var url = (await raw.CreateQueueAsync(topic)).QueueUrl;
        var sent = await raw.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = url,
            MessageBody = "{\"order\":42}",
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["trace-id"] = new() { DataType = "String", StringValue = "abc-123" },
                ["amount"] = new() { DataType = "Number", StringValue = "42.5" },
                ["content-type"] = new() { DataType = "String", StringValue = "application/json" },
            },
        });

        await using var broker = Broker.Connect(server.ConnectionString);
        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "team-b"), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(1, Timeout);
        }

        var message = seen.Items.Single();
        Assert.Equal("{\"order\":42}", message.GetString());
        Assert.Equal(sent.MessageId, message.Id);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("abc-123", message.GetHeader("trace-id"));
        Assert.Equal("42.5", message.GetHeader("amount"));
        Assert.Equal(1, message.DeliveryAttempt);
        Assert.Equal(topic, message.Topic);
        // Acknowledged: deleted from the queue.
        var left = await raw.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal(0, left.ApproximateNumberOfMessages + left.ApproximateNumberOfMessagesNotVisible);
    }

    [ConformanceFact]
    public async Task OmnibusMessage_ReadByPlainClient_TextBodyAndAttributes()
    {
        server.Require();
        var topic = "interop-out-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var message = new Message(Encoding.UTF8.GetBytes("hello from omnibus")) { Id = "id-1", Key = "customer-7", ContentType = "text/plain" };
        message.Headers["tenant"] = "acme";
        await broker.PublishAsync(topic, message);

        using var raw = server.RawClient();
        var url = (await raw.GetQueueUrlAsync(topic)).QueueUrl;
        var received = await raw.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageAttributeNames = ["All"], WaitTimeSeconds = 1 });
        var sqs = Assert.Single(received.Messages);
        Assert.Equal("hello from omnibus", sqs.Body);
        Assert.Equal("id-1", sqs.MessageAttributes[SqsAttributeNames.Id].StringValue);
        Assert.Equal("customer-7", sqs.MessageAttributes[SqsAttributeNames.Key].StringValue);
        Assert.Equal("text/plain", sqs.MessageAttributes["content-type"].StringValue);
        Assert.Equal("acme", sqs.MessageAttributes["tenant"].StringValue);
        Assert.False(sqs.MessageAttributes.ContainsKey(SqsAttributeNames.BodyEncoding));
    }

    [ConformanceFact]
    public async Task BinaryBody_TravelsAsBase64_AndComesBackIntact()
    {
        server.Require();
        var topic = "interop-bin-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        byte[] body = [0x00, 0xFF, 0xFE, 0x01, 0x80, 0x7F];
        await broker.PublishAsync(topic, new Message(body) { Id = "bin-1" });

        using var raw = server.RawClient();
        var url = (await raw.GetQueueUrlAsync(topic)).QueueUrl;
        var received = await raw.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MessageAttributeNames = ["All"], WaitTimeSeconds = 1, VisibilityTimeout = 0 });
        var sqs = Assert.Single(received.Messages);
        Assert.Equal(Convert.ToBase64String(body), sqs.Body);
        Assert.Equal("base64", sqs.MessageAttributes[SqsAttributeNames.BodyEncoding].StringValue);

        var seen = new Recorder<Message>();
        await using (await broker.SubscribeAsync(new SubscriptionOptions(topic, "g"), (m, _) => { seen.Add(m); return default; }))
        {
            await seen.WaitForCountAsync(1, Timeout);
        }

        Assert.Equal(body, seen.Items.Single().Body.ToArray());
    }
}
