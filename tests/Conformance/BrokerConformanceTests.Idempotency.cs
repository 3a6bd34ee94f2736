using Omnibus.Conformance.Xunit;
using Omnibus.Middleware;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenario: <see cref="Message.IdempotencyId"/> is never dropped.</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task IdempotencyId_PublishedTwice_BrokerStoresOnceOrCarriesIt_MiddlewareHandlesOnce()
    {
        var topic = NewName("idem");
        var raw = new Recorder<Message>();
        var deduplicated = new Recorder<Message>();
        // One group (a driver without ConsumerGroups has one per topic): what arrives is recorded, then passes the middleware.
        var options = Options(topic);
        MessageHandler record = (m, _) => { deduplicated.Add(m); return default; };
        var idempotent = IdempotentConsumer.Create()(record, options);
        await using var sub = await Broker.SubscribeAsync(options, (m, ct) => { raw.Add(m); return idempotent(m, ct); });
        var idempotencyId = NewName("logical");
        var first = new Message(Text("once").Body) { Id = NewName("first"), IdempotencyId = idempotencyId };
        var second = new Message(Text("once").Body) { Id = NewName("second"), IdempotencyId = idempotencyId };
        await Broker.PublishAsync(topic, first);
        await Broker.PublishAsync(topic, second);
        await raw.WaitUntilAsync(items => items.Count(m => m.GetString() == "once") >= (Broker.Features.ExactlyOnce ? 1 : 2), Timeout, "the published copies");
        await BarrierAsync(topic, deduplicated);

        var copies = raw.Items.Where(m => m.GetString() == "once").ToList();
        if (Broker.Features.ExactlyOnce)
        {
            Assert.Single(copies); // the broker stored it once
        }
        else
        {
            Assert.Equal(2, copies.Count); // stored twice, each carrying the id for the middleware
            Assert.All(copies, m => Assert.Equal(idempotencyId, m.GetHeader(HeaderNames.IdempotencyId)));
        }

        Assert.Single(deduplicated.Items, m => m.GetString() == "once");
    }
}
