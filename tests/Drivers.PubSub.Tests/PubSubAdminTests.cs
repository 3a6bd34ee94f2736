using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// Admin through the public contract: topics and groups from ListTopics and ListSubscriptions (Pub/Sub counts no
/// messages: lag and in-flight are what this process's members hold), no backlog source, no peek.
/// </summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubAdminTests(PubSubEmulator emulator)
{
    [ConformanceFact]
    public async Task TopicsAndGroups_Listed_WithThisProcessesMembersAndHeldMessages()
    {
        emulator.Require();
        var topic = "admin-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(emulator.ConnectionString);
        var gate = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "billing") { DrainTimeout = TimeSpan.FromSeconds(1) }, async (_, ct) =>
        {
            started.TrySetResult();
            await gate.Task.WaitAsync(ct);
        });
        await broker.PublishAsync(topic, new Message(new byte[] { 1 }));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var admin = broker.Admin!;
        var topics = await admin.GetTopicsAsync(default);
        Assert.Contains(topics, t => t.Name == topic);
        Assert.Contains(topics, t => t.Name == topic + ".dlq");
        var groups = await admin.GetGroupsAsync(topic, default);
        var group = Assert.Single(groups);
        Assert.Equal(new GroupInfo(topic, "billing", 1, 1, 0, 1), group);
        Assert.Contains(await admin.GetGroupsAsync(null, default), g => g.Topic == topic + ".dlq" && g.Group == "omnibus-replay");
        Assert.Null(broker.Backlog);
        await Assert.ThrowsAsync<FeatureNotSupportedException>(async () => await admin.PeekAsync(topic, 10, default));
        gate.SetResult();
    }
}
