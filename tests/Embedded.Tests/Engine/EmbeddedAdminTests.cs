using Omnibus.Conformance;
using Omnibus.Drivers;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

public sealed class EmbeddedAdminTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Admin_DescribesTopicsGroupsAndStoredMessages_WithoutConsuming_AndAfterARestart()
    {
        using var data = new TempDirectory();
        var connection = $"embedded://{data.Path}?partitions=2";
        await using (var broker = Broker.Connect(connection))
        {
            var admin = broker.Admin!;
            await (await broker.SubscribeAsync(new SubscriptionOptions("orders", "billing"), (_, _) => default)).CloseAsync();
            await (await broker.SubscribeAsync(new SubscriptionOptions("orders", "audit"), (_, _) => default)).CloseAsync();
            for (var i = 0; i < 10; i++)
            {
                await broker.PublishAsync("orders", Message.FromString($"o{i}").WithKey($"k{i % 3}"));
            }

            // billing: handle 4 and hold one in flight; audit: nothing.
            var handled = new Recorder<Message>();
            var hold = new TaskCompletionSource();
            var held = new TaskCompletionSource();
            await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("orders", "billing") { Concurrency = 1 }, async (m, ct) =>
            {
                if (handled.Count == 4)
                {
                    held.TrySetResult();
                    await hold.Task.WaitAsync(ct);
                }

                handled.Add(m);
            });
            await held.Task.WaitAsync(Timeout);
            await broker.PublishAsync("orders.dlq", Message.FromString("dead"));

            var topics = await admin.GetTopicsAsync(default);
            Assert.Equal(["orders", "orders.dlq"], topics.Select(t => t.Name));
            Assert.Equal(new TopicInfo("orders", 10, topics[0].Bytes, 10, 2), topics[0]);
            Assert.True(topics[0].Bytes > 10 * 2, "the log's bytes on disk");

            var groups = await admin.GetGroupsAsync("orders", default);
            Assert.Equal([("orders", "audit", 10L, 0L, 1L, 0), ("orders", "billing", 6L, 1L, 1L, 1)],
                groups.Select(g => (g.Topic, g.Group, g.Lag, g.InFlight, g.DeadLettered, g.Members)));
            Assert.Empty(await admin.GetGroupsAsync("nope", default));

            var peeked = await admin.PeekAsync("orders", 100, default);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"o{i}").Order(), peeked.Select(m => m.GetString()).Order());
            Assert.Equal(3, (await admin.PeekAsync("orders", 3, default)).Count);
            Assert.Empty(await admin.PeekAsync("nope", 10, default));
            hold.SetResult();
            await handled.WaitForCountAsync(10, Timeout);
            Assert.Equal(0, (await admin.GetGroupsAsync("orders", default)).Single(g => g.Group == "billing").Lag);
        }

        // After a restart the groups are still listed (read from disk), and peeking did not consume anything.
        await using (var broker = Broker.Connect(connection))
        {
            var admin = broker.Admin!;
            var groups = await admin.GetGroupsAsync(null, default);
            Assert.Equal([("audit", 10L), ("billing", 0L)], groups.Select(g => (g.Group, g.Lag)));
        }
    }
}
