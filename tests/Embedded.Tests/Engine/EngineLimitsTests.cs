using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>Limits, a full disk, retained messages and qos 0, through the broker API.</summary>
public sealed class EngineLimitsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Publish_LargerThanMaxMessageBytes_FailsNamingSizeAndOption()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}?maxMessageBytes=1024");
        await broker.PublishAsync("t", new Message(new byte[1000]));
        var e = await Assert.ThrowsAsync<PublishException>(async () => await broker.PublishAsync("t", new Message(new byte[2000])));
        Assert.Contains("2000 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("at most 1024 (option maxMessageBytes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_BeyondMaxTopics_FailsNamingTheOption()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}?maxTopics=2");
        await broker.PublishAsync("a", new Message());
        await broker.PublishAsync("b", new Message());
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("c", new Message()));
        Assert.Equal("maxTopics", e.Setting);
        Assert.Contains("'c'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondProcessOnSameDirectory_IsRefusedWithAClearError()
    {
        // A real other process owns the directory: the crash-test host, publishing nothing, consuming forever.
        using var owner = new CrashChild(_temp.Path, 1, "owner", 0);
        Assert.True(await owner.WaitUntilAsync(c => c.ContainsKey("PUBLISHED"), Timeout), string.Join(" | ", owner.Errors));
        await using var broker = Broker.Connect($"embedded://{_temp.Path}");
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("t", new Message()));
        Assert.Contains("in use by another process", e.Message, StringComparison.Ordinal);
        Assert.Contains("omnibus server", e.Message, StringComparison.Ordinal);
        await owner.KillAsync();
    }

    [TmpfsFact]
    public async Task Publish_OnAFullDisk_FailsClearly_AndEverythingAcknowledgedSurvives()
    {
        var disk = _temp.Combine("disk");
        var acknowledged = new List<string>();
        PublishException? failure = null;
        using (var tmpfs = Tmpfs.Mount(disk, "2m"))
        {
            await using (var broker = Broker.Connect($"embedded://{disk}?segmentBytes=1048576"))
            {
                // The consumer group exists before the disk fills, as a deployed consumer's would.
                await (await broker.SubscribeAsync(new SubscriptionOptions("t", "reader"), (_, _) => default)).CloseAsync();
                for (var i = 0; i < 10_000 && failure is null; i++)
                {
                    var message = new Message(new byte[1000]) { Id = $"m{i}" };
                    try
                    {
                        await broker.PublishAsync("t", message);
                        acknowledged.Add(message.Id);
                    }
                    catch (PublishException e)
                    {
                        failure = e;
                    }
                }
            }

            Assert.NotNull(failure);
            Assert.Contains("is full", failure.Message, StringComparison.Ordinal);
            Assert.True(acknowledged.Count > 100, $"only {acknowledged.Count} publishes before the disk filled");

            // Reopened once space is freed, as the error says: every acknowledged message is there and is delivered.
            // (On the still-full disk the consumer's first acknowledgements could not be journaled and would stop the
            // engine; reopening a log on a full disk is DiskFullTests' part.)
            tmpfs.Resize("4m");
            var seen = new Recorder<Message>();
            await using var reopened = Broker.Connect($"embedded://{disk}?segmentBytes=1048576");
            await using var sub = await reopened.SubscribeAsync(new SubscriptionOptions("t", "reader"), (m, _) => { seen.Add(m); return default; });
            await seen.WaitUntilAsync(items => acknowledged.ToHashSet().IsSubsetOf(items.Select(m => m.Id)), Timeout, $"all {acknowledged.Count} acknowledged messages");
        }
    }

    [Fact]
    public async Task RetainedMessage_IsDeliveredFirstToANewGroupStartingFromLatest()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}");
        await broker.PublishAsync("status", Message.FromString("old"));
        var retained = Message.FromString("current");
        retained.Headers[HeaderNames.Retain] = "true";
        await broker.PublishAsync("status", retained);
        await broker.PublishAsync("status", Message.FromString("not retained"));

        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("status", "dashboard") { StartFrom = StartPosition.Latest }, (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync("status", Message.FromString("next"));
        await seen.WaitUntilAsync(items => items.Count >= 2, Timeout, "the retained and the next message, seen: " + string.Join(",", seen.Items.Select(m => m.GetString())));
        Assert.Equal(["current", "next"], seen.Items.Select(m => m.GetString()));
    }

    [Fact]
    public async Task Qos0_FailedHandler_IsNotRedelivered()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}?qos=0&flush=never");
        var calls = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("t", "g") { Backoff = RetryBackoff.None }, (m, _) =>
        {
            calls.Add(m);
            return m.GetString() == "fails" ? ValueTask.FromException(new InvalidOperationException("x")) : default;
        });
        await broker.PublishAsync("t", Message.FromString("fails"));
        await broker.PublishAsync("t", Message.FromString("after"));
        await calls.WaitUntilAsync(items => items.Any(m => m.GetString() == "after"), Timeout, "the second message");
        Assert.Equal(["fails", "after"], calls.Items.Select(m => m.GetString()));
    }

    public void Dispose() => _temp.Dispose();
}
