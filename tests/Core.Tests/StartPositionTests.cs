using Omnibus.Drivers;
using Xunit;

namespace Omnibus.Tests;

/// <summary>StartPosition.Default is each driver's own start: resolved by the core into the consumer spec, never passed on.</summary>
public sealed class StartPositionTests
{
    [Theory]
    [InlineData(StartPosition.Default, StartPosition.Latest, StartPosition.Latest)]
    [InlineData(StartPosition.Default, StartPosition.Earliest, StartPosition.Earliest)]
    [InlineData(StartPosition.Earliest, StartPosition.Latest, StartPosition.Earliest)]
    [InlineData(StartPosition.Latest, StartPosition.Earliest, StartPosition.Latest)]
    public void ConsumerSpec_ResolvesDefault_ToTheDriversStart(StartPosition given, StartPosition driverDefault, StartPosition expected) =>
        Assert.Equal(expected, new ConsumerSpec(new SubscriptionOptions("t", "g") { StartFrom = given }, batch: false, driverDefault).StartFrom);

    [Fact]
    public async Task Memory_DefaultStart_IsEarliest()
    {
        await using var broker = Broker.Connect("memory://");
        Assert.Equal(StartPosition.Default, new SubscriptionOptions("t", "g").StartFrom);
        var before = Message.FromString("before");
        await broker.PublishAsync("t", before);
        var seen = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("t", "g"), (m, _) => { seen.TrySetResult(m); return default; });
        Assert.Equal(before.Id, (await seen.Task.WaitAsync(TimeSpan.FromSeconds(10))).Id);
    }
}
