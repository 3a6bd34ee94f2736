using Omnibus.Conformance;
using Omnibus.Middleware;
using Xunit;

namespace Omnibus.Tests;

public sealed class DeadLetterReplayTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Replay_MovesDeadLettersBackWithoutErrorHeaders_AndASecondReplayFindsNothing()
    {
        await using var broker = Broker.Connect("memory://");
        var failing = true;
        var handled = new Recorder<Message>();
        var dead = new Recorder<Message>();
        await using var watch = await broker.SubscribeAsync(new SubscriptionOptions("r.dlq", "watch"), (m, _) => { dead.Add(m); return default; });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("r", "g") { MaxDeliveryAttempts = 1 }, (m, _) =>
        {
            if (Volatile.Read(ref failing))
            {
                throw new InvalidOperationException("down");
            }

            handled.Add(m);
            return default;
        });
        for (var i = 0; i < 3; i++)
        {
            var message = Message.FromString($"m{i}").WithKey($"k{i}");
            message.Headers["tenant"] = "t1";
            await broker.PublishAsync("r", message);
        }

        await dead.WaitForCountAsync(3, Timeout);
        Volatile.Write(ref failing, false);

        Assert.Equal(3, await DeadLetter.ReplayAsync(broker, "r"));
        await handled.WaitForCountAsync(3, Timeout);
        Assert.Equal(["m0", "m1", "m2"], handled.Items.Select(m => m.GetString()).Order());
        Assert.All(handled.Items, m =>
        {
            Assert.Null(m.GetHeader(HeaderNames.ErrorType));
            Assert.Null(m.GetHeader(HeaderNames.OriginalTopic));
            Assert.Equal("t1", m.GetHeader("tenant"));
            Assert.Equal("k" + m.GetString()[1..], m.Key);
            Assert.Equal(1, m.DeliveryAttempt);
            Assert.Contains(m.GetHeader(DeadLetter.ReplayOfHeader), dead.Items.Select(d => d.Id));
            Assert.DoesNotContain(m.Id, dead.Items.Select(d => d.Id));
        });
        Assert.Equal(0, await DeadLetter.ReplayAsync(broker, "r", new DeadLetterReplayOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) }));
    }

    [Fact]
    public async Task Replay_StopsAtMax_AndLeavesTheRestForTheNextReplay()
    {
        await using var broker = Broker.Connect("memory://");
        for (var i = 0; i < 5; i++)
        {
            var failed = new Message(System.Text.Encoding.UTF8.GetBytes($"d{i}")) { Topic = "s" };
            var dead = DeadLetter.Create(failed, new InvalidOperationException("x"), "g", DateTimeOffset.UtcNow);
            await broker.PublishAsync("s.dlq", dead);
        }

        var handled = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("s", "g"), (m, _) => { handled.Add(m); return default; });
        Assert.Equal(2, await DeadLetter.ReplayAsync(broker, "s", new DeadLetterReplayOptions { Max = 2 }));
        Assert.Equal(3, await DeadLetter.ReplayAsync(broker, "s"));
        await handled.WaitForCountAsync(5, Timeout);
        Assert.Equal(5, handled.Items.Select(m => m.GetString()).Distinct().Count());
    }
}
