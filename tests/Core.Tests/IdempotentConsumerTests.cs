using Omnibus.Middleware;
using Xunit;

namespace Omnibus.Tests;

public sealed class IdempotentConsumerTests
{
    [Fact]
    public async Task Duplicate_ArrivingWhileItsTwinRuns_WaitsAndIsSkipped()
    {
        var calls = 0;
        var release = new TaskCompletionSource();
        MessageHandler handler = async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await release.Task;
        };
        var wrapped = IdempotentConsumer.Create()(handler, new SubscriptionOptions("t", "g"));
        var first = wrapped(new Message { Id = "same" }, CancellationToken.None).AsTask();
        var second = wrapped(new Message { Id = "same" }, CancellationToken.None).AsTask();
        // Without the guard the duplicate's handler would have run synchronously by now (it runs up to its first await).
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.False(second.IsCompleted);
        release.SetResult();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Duplicate_OfATwinThatFailed_IsHandled()
    {
        var calls = 0;
        MessageHandler handler = (_, _) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first fails") : default;
        var wrapped = IdempotentConsumer.Create()(handler, new SubscriptionOptions("t", "g"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await wrapped(new Message { Id = "x" }, CancellationToken.None));
        await wrapped(new Message { Id = "x" }, CancellationToken.None);
        await wrapped(new Message { Id = "x" }, CancellationToken.None);
        Assert.Equal(2, calls);
    }
}
