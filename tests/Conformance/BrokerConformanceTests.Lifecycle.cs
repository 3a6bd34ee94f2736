using System.Collections.Concurrent;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>Scenarios 7 (close and restart) and 11 (shutdown).</summary>
public abstract partial class BrokerConformanceTests
{
    [ConformanceFact]
    public async Task Subscribers_RecreatedMidStream_LoseNothing()
    {
        var topic = NewName("recreate");
        var group = NewName("g");
        var seen = new Recorder<string>();
        var sent = Enumerable.Range(0, 1000).Select(i => Text($"m{i}")).ToList();
        await (await Broker.SubscribeAsync(Options(topic, group), (_, _) => default)).CloseAsync(); // the group exists from here on
        var publishing = Task.Run(async () =>
        {
            foreach (var m in sent)
            {
                await Broker.PublishAsync(topic, m);
                await Task.Yield();
            }
        });
        for (var round = 1; round <= 4; round++)
        {
            var sub = await Connect().SubscribeAsync(Options(topic, group) with { Concurrency = 4 }, (m, _) => { seen.Add(m.Id); return default; });
            await seen.WaitForCountAsync(Math.Min(round * 200, 1000), Timeout);
            await sub.CloseAsync();
        }

        await publishing;
        await using var last = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { seen.Add(m.Id); return default; });
        var ids = sent.Select(m => m.Id).ToHashSet();
        await seen.WaitUntilAsync(items => ids.IsSubsetOf(items), Timeout, "every published message handled");
    }

    [ConformanceFact]
    public async Task Subscription_ClosedConcurrently_IsSafe_AndReceivesNothingMore()
    {
        var topic = NewName("closed");
        var group = NewName("g");
        var closedSeen = 0;
        var sub = await Broker.SubscribeAsync(Options(topic, group), (_, _) => { Interlocked.Increment(ref closedSeen); return default; });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(async () => await sub.CloseAsync())));
        await sub.Completion.WaitAsync(Timeout);

        var other = new Recorder<Message>();
        await using var live = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { other.Add(m); return default; });
        for (var i = 0; i < 20; i++)
        {
            await Broker.PublishAsync(topic, Text($"after-close-{i}"));
        }

        await other.WaitForCountAsync(20, Timeout);
        await BarrierAsync(topic, other);
        Assert.Equal(0, Volatile.Read(ref closedSeen));
    }

    [ConformanceFact]
    public async Task Publisher_ClosedDuringBurst_LosesNothingAcknowledged()
    {
        var topic = NewName("burst");
        var seen = new Recorder<string>();
        await using var sub = await Broker.SubscribeAsync(Options(topic) with { Concurrency = 4 }, (m, _) => { seen.Add(m.Id); return default; });
        var publisher = Connect();
        var acknowledged = new Recorder<string>();
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var m = Text($"p{p}-{i}");
                try
                {
                    await publisher.PublishAsync(topic, m);
                }
                catch (Exception)
                {
                    return; // closed under us: this one was not acknowledged, and that is allowed
                }

                acknowledged.Add(m.Id);
                await Task.Yield();
            }
        })).ToArray();
        await acknowledged.WaitForCountAsync(400, Timeout);
        await publisher.DisposeAsync();
        await Task.WhenAll(publishers).WaitAsync(Timeout);
        var acked = acknowledged.Items.ToHashSet();
        await seen.WaitUntilAsync(items => acked.IsSubsetOf(items), Timeout, $"all {acked.Count} acknowledged publishes delivered");
    }

    [ConformanceFact]
    public async Task Shutdown_InFlightHandlersSeeCancellation_MessageRedelivered()
    {
        var topic = NewName("shutdown");
        var group = NewName("g");
        var started = new Recorder<Message>();
        var cancelled = new Recorder<Message>();
        var sub = await Broker.SubscribeAsync(Options(topic, group), async (m, ct) =>
        {
            started.Add(m);
            try
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.Add(m);
                throw;
            }
        });
        var message = Text("long-running");
        await Broker.PublishAsync(topic, message);
        await started.WaitForCountAsync(1, Timeout);
        await sub.CloseAsync().AsTask().WaitAsync(Timeout);
        Assert.True(sub.Completion.IsCompletedSuccessfully);
        Assert.Equal(message.Id, Assert.Single(cancelled.Items).Id);

        var again = new Recorder<Message>();
        await using var next = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { again.Add(m); return default; });
        await again.WaitUntilAsync(items => items.Any(m => m.Id == message.Id), Timeout, "the cancelled message redelivered");
    }

    [ConformanceFact]
    public async Task Shutdown_DrainWaitsForHandlerThatFinishes_AndAcknowledgesIt()
    {
        var topic = NewName("drain");
        var group = NewName("g");
        var started = new Recorder<Message>();
        var finish = new TaskCompletionSource();
        var completed = new ConcurrentBag<string>();
        var sub = await Broker.SubscribeAsync(Options(topic, group), async (m, _) =>
        {
            started.Add(m);
            await finish.Task; // finishes its work although cancellation was requested
            completed.Add(m.Id);
        });
        var message = Text("finishing");
        await Broker.PublishAsync(topic, message);
        await started.WaitForCountAsync(1, Timeout);
        var closing = sub.CloseAsync().AsTask();
        Assert.False(closing.IsCompleted);
        finish.SetResult();
        await closing.WaitAsync(Timeout);
        Assert.Contains(message.Id, completed);

        var after = new Recorder<Message>();
        await using var next = await Connect().SubscribeAsync(Options(topic, group), (m, _) => { after.Add(m); return default; });
        await BarrierAsync(topic, after);
        Assert.DoesNotContain(after.Items, m => m.Id == message.Id);
    }
}
