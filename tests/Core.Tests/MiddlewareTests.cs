using Omnibus.Conformance;
using Omnibus.Middleware;
using Xunit;

namespace Omnibus.Tests;

public sealed class MiddlewareTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IdempotentConsumer_SameIdTwice_HandledOnce()
    {
        var store = new InMemoryIdempotencyStore();
        await using var broker = Broker.Connect("memory://", new BrokerClientOptions { Middleware = [IdempotentConsumer.Create(store)] });
        var handled = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("dedupe", "g"), (m, _) => { handled.Add(m); return default; });
        await broker.PublishAsync("dedupe", new Message { Id = "same" });
        await broker.PublishAsync("dedupe", new Message { Id = "same" });
        await broker.PublishAsync("dedupe", new Message { Id = "other" });
        // One consumer, delivered in order: once "other" is handled, the duplicate before it was seen and skipped.
        await handled.WaitUntilAsync(items => items.Any(m => m.Id == "other"), Timeout, "the last message");
        Assert.Equal(["same", "other"], handled.Items.Select(m => m.Id));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public async Task IdempotentConsumer_FailedHandler_IsNotRemembered()
    {
        var store = new InMemoryIdempotencyStore();
        var handler = IdempotentConsumer.Create(store)((_, _) => throw new InvalidOperationException("x"), new SubscriptionOptions("t", "g"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await handler(new Message { Id = "a" }, CancellationToken.None));
        Assert.False(await store.IsProcessedAsync("g", "a", CancellationToken.None));
    }

    [Fact]
    public async Task InMemoryIdempotencyStore_BeyondCapacity_ForgetsLeastRecentlyUsed()
    {
        var store = new InMemoryIdempotencyStore(capacity: 2);
        await store.MarkProcessedAsync("g", "1", default);
        await store.MarkProcessedAsync("g", "2", default);
        Assert.True(await store.IsProcessedAsync("g", "1", default)); // 1 is now most recent
        await store.MarkProcessedAsync("g", "3", default);
        Assert.True(await store.IsProcessedAsync("g", "1", default));
        Assert.False(await store.IsProcessedAsync("g", "2", default));
        Assert.True(await store.IsProcessedAsync("g", "3", default));
    }

    [Fact]
    public async Task InProcessRetry_TransientFailures_RetriedWithoutRedelivery()
    {
        await using var broker = Broker.Connect("memory://", new BrokerClientOptions { Middleware = [InProcessRetry.Create(3, RetryBackoff.None)] });
        var calls = 0;
        var done = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("retry", "g"), (m, _) =>
        {
            if (Interlocked.Increment(ref calls) <= 2)
            {
                throw new TimeoutException("transient");
            }

            done.Add(m);
            return default;
        });
        await broker.PublishAsync("retry", Message.FromString("x"));
        await done.WaitForCountAsync(1, Timeout);
        Assert.Equal(3, calls);
        Assert.Equal(1, done.Items[0].DeliveryAttempt);
    }

    [Fact]
    public async Task Middleware_FirstRegistered_IsOutermost()
    {
        var order = new Recorder<string>();
        HandlerMiddleware Named(string name) => (next, _) => async (m, ct) =>
        {
            order.Add(name + ">");
            await next(m, ct);
            order.Add("<" + name);
        };
        await using var broker = Broker.Connect("memory://", new BrokerClientOptions { Middleware = [Named("a"), Named("b")] });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("mw", "g"), (_, _) => { order.Add("handler"); return default; });
        await broker.PublishAsync("mw", new Message());
        await order.WaitForCountAsync(5, Timeout);
        Assert.Equal(["a>", "b>", "handler", "<b", "<a"], order.Items);
    }

    [Fact]
    public void DeadLetter_Create_CopiesMessageAndRecordsTheError()
    {
        var failed = new Message(new byte[] { 1 }) { Id = "x", Key = "k", ContentType = "application/json" }.ForDelivery("orders", 3);
        var copy = DeadLetter.Create(failed, new FormatException(new string('e', 5000)), "shipping", DateTimeOffset.UnixEpoch);
        Assert.Equal("x", copy.Id);
        Assert.Equal("k", copy.Key);
        Assert.Equal("application/json", copy.ContentType);
        Assert.Equal(typeof(FormatException).FullName, copy.GetHeader(HeaderNames.ErrorType));
        Assert.Equal(DeadLetter.MaxErrorMessageLength, copy.GetHeader(HeaderNames.ErrorMessage)!.Length);
        Assert.Equal("3", copy.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal("orders", copy.GetHeader(HeaderNames.OriginalTopic));
        Assert.Equal("shipping", copy.GetHeader(HeaderNames.OriginalGroup));
        Assert.Equal("1970-01-01T00:00:00.0000000Z", copy.GetHeader(HeaderNames.DeadLetteredAt));
    }
}
