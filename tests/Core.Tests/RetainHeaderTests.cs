using Xunit;

namespace Omnibus.Tests;

/// <summary>The retain header is refused by a driver that keeps no retained message, instead of being ignored.</summary>
public sealed class RetainHeaderTests
{
    [Fact]
    public async Task Publish_RetainHeader_OnADriverWithoutRetainedMessages_Refused_NothingStored()
    {
        await using var broker = Broker.Connect("memory://");
        Assert.False(broker.Features.RetainedMessages);
        var retained = Message.FromString("status");
        retained.Headers[HeaderNames.Retain] = "true";
        var error = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await broker.PublishAsync("status", retained));
        Assert.Contains("header omnibus-retain = 'true'", error.Message, StringComparison.Ordinal);
        Assert.Contains("memory://", error.Message, StringComparison.Ordinal);
        var batch = await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await broker.PublishBatchAsync("status", [retained]));
        Assert.Contains("omnibus-retain", batch.Message, StringComparison.Ordinal);

        // Nothing reached the topic: a new group from Earliest finds nothing but the marker published after.
        var marker = Message.FromString("marker");
        await broker.PublishAsync("status", marker);
        var seen = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("status", "g") { StartFrom = StartPosition.Earliest }, (m, _) => { seen.TrySetResult(m); return default; });
        Assert.Equal(marker.Id, (await seen.Task.WaitAsync(TimeSpan.FromSeconds(10))).Id);
    }
}
