using Omnibus.Conformance;
using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests;

/// <summary>memory:// behaviour beyond the conformance suite.</summary>
public sealed class MemoryDriverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Backlog_CountsUnacknowledged_AndDropsToZeroWhenHandled()
    {
        await using var broker = Broker.Connect("memory://");
        var backlog = (IBacklogSource)broker.Driver;
        Assert.Null(await backlog.GetBacklogAsync("b", "g", default));
        await (await broker.SubscribeAsync(new SubscriptionOptions("b", "g"), (_, _) => default)).CloseAsync();
        for (var i = 0; i < 7; i++)
        {
            await broker.PublishAsync("b", new Message());
        }

        Assert.Equal(7, await backlog.GetBacklogAsync("b", "g", default));
        var seen = new Recorder<Message>();
        var sub = await broker.SubscribeAsync(new SubscriptionOptions("b", "g"), (m, _) => { seen.Add(m); return default; });
        await seen.WaitForCountAsync(7, Timeout);
        await sub.CloseAsync(); // settled before it returns
        Assert.Equal(0, await backlog.GetBacklogAsync("b", "g", default));
    }

    [Fact]
    public async Task UndecodableBody_IsDeadLetteredAtOnce_WithoutTheOtherAttempts()
    {
        await using var broker = Broker.Connect("memory://");
        var dead = new Recorder<Message>();
        var calls = 0;
        await using var dlq = await broker.SubscribeAsync(new SubscriptionOptions("p.dlq", "d"), (m, _) => { dead.Add(m); return default; });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("p", "g") { MaxDeliveryAttempts = 5 }, (m, ct) =>
        {
            Interlocked.Increment(ref calls);
            Assert.NotNull(m.GetBody<ReadmeOrder>());
            return default;
        });
        await broker.PublishAsync("p", Message.FromString("{not json"));
        await dead.WaitForCountAsync(1, Timeout);
        Assert.Equal(1, calls);
        Assert.Equal(typeof(MessageDecodeException).FullName, dead.Items[0].GetHeader(HeaderNames.ErrorType));
        Assert.Equal("1", dead.Items[0].GetHeader(HeaderNames.DeliveryAttempts));
    }

    private sealed record ReadmeOrder(string Id);
}
