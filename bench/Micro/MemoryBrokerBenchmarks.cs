using System.Threading.Channels;
using BenchmarkDotNet.Attributes;

namespace Omnibus.Bench.Micro;

/// <summary>
/// Cost per message of publishing through <c>memory://</c> and having one subscription (concurrency 1) handle it,
/// against the floor: an unbounded <see cref="Channel{T}"/> with one reader task. Both publish the same pre-built
/// messages and finish when their consumer has counted all of them. Target: the broker ≤ 3x the channel.
/// </summary>
/// <remarks>
/// Longer warm-up and iterations than the codec benchmarks: the broker path needs over a million messages before
/// every method on it is at tier 1, and the default retention (100,000 messages per topic) only reaches its
/// steady state, and its steady rate of gen 1/gen 2 collections, after that many.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(10)]
[IterationTime(500)]
public class MemoryBrokerBenchmarks
{
    private const int MessageCount = 10_000;
    private const string Topic = "bench";

    private readonly Message[] _messages = new Message[MessageCount];
    private readonly CountdownToDone _channelDone = new(MessageCount);
    private readonly CountdownToDone _brokerDone = new(MessageCount);
    private Channel<Message> _channel = null!;
    private Task _channelReader = Task.CompletedTask;
    private Broker _broker = null!;
    private ISubscription _subscription = null!;

    [GlobalSetup]
    public void Setup()
    {
        var body = CodecPayloads.Bytes(100);
        for (var i = 0; i < _messages.Length; i++)
        {
            _messages[i] = new Message(body);
        }

        _channel = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
        _channelReader = Task.Run(ReadChannelAsync);

        _broker = Broker.Connect("memory://");
        _subscription = _broker
            .SubscribeAsync(new SubscriptionOptions(Topic, "bench-group") { Concurrency = 1 }, HandleAsync)
            .AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Writer.Complete();
        _channelReader.GetAwaiter().GetResult();
        _subscription.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = MessageCount, Description = "Channel write+read")]
    public Task ChannelWriteRead()
    {
        var done = _channelDone.Reset();
        var writer = _channel.Writer;
        foreach (var message in _messages)
        {
            writer.TryWrite(message);
        }

        return done;
    }

    [Benchmark(OperationsPerInvoke = MessageCount, Description = "memory:// publish+deliver")]
    public async Task BrokerPublishDeliver()
    {
        var done = _brokerDone.Reset();
        foreach (var message in _messages)
        {
            await _broker.PublishAsync(Topic, message).ConfigureAwait(false);
        }

        await done.ConfigureAwait(false);
    }

    private async Task ReadChannelAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out _))
            {
                _channelDone.Signal();
            }
        }
    }

    private ValueTask HandleAsync(Message message, CancellationToken cancellationToken)
    {
        _brokerDone.Signal();
        return default;
    }

    /// <summary>
    /// Completes a task when its one consumer has counted to the target. Reset by the producer before it writes, and
    /// the queue in between orders the reset before the consumer's first count, so no field needs to be volatile.
    /// </summary>
    private sealed class CountdownToDone(int target)
    {
        private TaskCompletionSource _done = new();
        private int _seen;

        public Task Reset()
        {
            _seen = 0;
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _done.Task;
        }

        public void Signal()
        {
            if (++_seen == target)
            {
                _done.SetResult();
            }
        }
    }
}
