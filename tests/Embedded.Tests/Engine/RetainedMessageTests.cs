using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

/// <summary>The retained message (header omnibus-retain): cleared by an empty retained publish, kept across a reopen and retention.</summary>
public sealed class RetainedMessageTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task RetainedPublish_EmptyBody_ClearsTheRetainedMessage()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}");
        await broker.PublishAsync("status", RetainedProbe.Retained("current"));
        Assert.Equal("current", await RetainedProbe.FirstOfNewGroupAsync(broker, "status", "before-clear", Timeout));

        await broker.PublishAsync("status", RetainedProbe.Retained(string.Empty));

        Assert.Equal("next", await RetainedProbe.FirstOfNewGroupAsync(broker, "status", "after-clear", Timeout));
    }

    [Fact]
    public async Task RetainedPublish_EmptyBody_IsStillDeliveredToExistingGroups()
    {
        await using var broker = Broker.Connect($"embedded://{_temp.Path}");
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("status", "live"), (m, _) => { seen.Add(m); return default; });

        await broker.PublishAsync("status", RetainedProbe.Retained(string.Empty));

        await seen.WaitForCountAsync(1, Timeout);
        Assert.Equal("true", seen.Items.Single().GetHeader(HeaderNames.Retain));
        Assert.Equal(0, seen.Items.Single().Body.Length);
    }

    [Fact]
    public async Task RetainedMessage_AfterTheEngineIsClosedAndReopened_IsDeliveredFirstToANewGroup()
    {
        await using (var broker = Broker.Connect($"embedded://{_temp.Path}"))
        {
            await broker.PublishAsync("status", RetainedProbe.Retained("current"));
            await broker.PublishAsync("status", Message.FromString("not retained"));
        }

        await using var reopened = Broker.Connect($"embedded://{_temp.Path}");
        Assert.Equal("current", await RetainedProbe.FirstOfNewGroupAsync(reopened, "status", "after-restart", Timeout));
    }

    [Fact]
    public async Task RetainedMessage_ClearedThenReopened_StaysCleared()
    {
        await using (var broker = Broker.Connect($"embedded://{_temp.Path}"))
        {
            await broker.PublishAsync("status", RetainedProbe.Retained("current"));
            await broker.PublishAsync("status", RetainedProbe.Retained(string.Empty));
        }

        await using var reopened = Broker.Connect($"embedded://{_temp.Path}");
        Assert.Equal("next", await RetainedProbe.FirstOfNewGroupAsync(reopened, "status", "after-restart", Timeout));
    }

    [Fact]
    public async Task RetainedMessage_WhenRetentionDeletesItsSegment_IsStillDeliveredFirstToANewGroup()
    {
        // 1 MiB segments, at most 1 MiB kept: the retained record's segment goes once ~3 MiB follow it.
        const string Options = "?segmentBytes=1048576&retentionBytes=1048576";
        var filler = new byte[64 * 1024];
        await using (var broker = Broker.Connect($"embedded://{_temp.Path}{Options}"))
        {
            await broker.PublishAsync("status", RetainedProbe.Retained("current"));
            for (var i = 0; i < 48; i++)
            {
                await broker.PublishAsync("status", new Message(filler));
            }

            var deadline = DateTime.UtcNow + Timeout;
            while ((await broker.Admin!.PeekAsync("status", 1, CancellationToken.None)).Single().Body.Length != filler.Length)
            {
                Assert.True(DateTime.UtcNow < deadline, "retention did not delete the retained message's segment in time");
                await Task.Delay(100); // the engine applies retention on its maintenance timer: poll until it has
            }

            Assert.Equal("current", await RetainedProbe.FirstOfNewGroupAsync(broker, "status", "after-retention", Timeout));
        }

        await using var reopened = Broker.Connect($"embedded://{_temp.Path}{Options}");
        Assert.Equal("current", await RetainedProbe.FirstOfNewGroupAsync(reopened, "status", "after-retention-and-restart", Timeout));
    }

    public void Dispose() => _temp.Dispose();
}
