using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Nats.Tests;

/// <summary>
/// Another team's service on the plain NATS.Net client: its messages (in its own stream) reach an Omnibus handler
/// with body and headers intact, and an Omnibus message reads as a plain JetStream message with headers.
/// </summary>
[Collection(NatsCollection.Name)]
public sealed class NatsInteropTests(NatsServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [ConformanceFact]
    public async Task PlainClientMessage_InOperatorsStream_ConsumedIntact()
    {
        server.Require();
        var topic = "billing.invoices-" + Guid.NewGuid().ToString("N")[..8];
        await using var plain = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(plain);
        // The operator's stream covers every billing subject; the driver must use it rather than create its own.
        var streamName = "BILLING_" + Guid.NewGuid().ToString("N")[..8];
        await js.CreateStreamAsync(new StreamConfig(streamName, ["billing.>"]) { Storage = StreamConfigStorage.Memory });

        await using var broker = Broker.Connect(server.ConnectionString);
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "ledger"), (m, _) => { seen.Add(m); return default; });

        var headers = new NatsHeaders { ["content-type"] = "application/json", ["x-tenant"] = "acme", ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
        var ack = await js.PublishAsync(topic, Encoding.UTF8.GetBytes("{\"total\":42}"), headers: headers);
        ack.EnsureSuccess();
        var withId = await js.PublishAsync(topic, Encoding.UTF8.GetBytes("second"), opts: new NatsJSPubOpts { MsgId = "invoice-2" });
        withId.EnsureSuccess();

        await seen.WaitForCountAsync(2, Timeout);
        var first = seen.Items[0];
        Assert.Equal("{\"total\":42}", first.GetString());
        Assert.Equal("application/json", first.ContentType);
        Assert.Equal("acme", first.GetHeader("x-tenant"));
        Assert.Equal(headers["traceparent"].ToString(), first.GetHeader("traceparent"));
        Assert.Equal($"{streamName}:{ack.Seq}", first.Id); // no omnibus-id: the stream position is the stable id
        Assert.Equal(topic, first.Topic);
        Assert.Null(first.Key);
        Assert.Equal(1, first.DeliveryAttempt);
        Assert.Equal("invoice-2", seen.Items[1].Id); // its Nats-Msg-Id
        Assert.Null(seen.Items[1].GetHeader(NatsHeaderNames.MsgId));
        Assert.Equal([streamName], await js.ListStreamNamesAsync(topic).ToListAsync()); // no stream of the driver's own
        Assert.Equal(1, (await js.GetStreamAsync(streamName)).Info.State.ConsumerCount);
    }

    [ConformanceFact]
    public async Task OmnibusMessage_ReadByPlainClient_WithBodyAndHeaders()
    {
        server.Require();
        var topic = "shipments-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(server.ConnectionString);
        var sent = new Message(Encoding.UTF8.GetBytes("{\"id\":7}")) { Key = "order-7", ContentType = "application/json" };
        sent.Headers["x-origin"] = "omnibus";
        await broker.PublishAsync(topic, sent);

        await using var plain = new NatsConnection(new NatsOpts { Url = server.Url });
        var js = new NatsJSContext(plain);
        var stream = await js.ListStreamNamesAsync(topic).FirstAsync();
        var reader = await js.CreateOrderedConsumerAsync(stream);
        var msg = await reader.NextAsync<byte[]>() ?? throw new InvalidOperationException("no message");
        Assert.Equal(topic, msg.Subject);
        Assert.Equal("{\"id\":7}", Encoding.UTF8.GetString(msg.Data!));
        Assert.Equal(sent.Id, msg.Headers![NatsHeaderNames.Id].ToString());
        Assert.Equal("order-7", msg.Headers[NatsHeaderNames.Key].ToString());
        Assert.Equal("application/json", msg.Headers["content-type"].ToString());
        Assert.Equal("omnibus", msg.Headers["x-origin"].ToString());
    }
}
