using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Cli.Internal;

/// <summary>What <c>omnibus bench</c> runs: how many messages of what size, by how many publishers and consumers.</summary>
internal sealed record BenchSettings(string Topic, int Messages, int Size, int Publishers, int Window, int Consumers, int Concurrency, TimeSpan Timeout);

/// <summary>
/// One end-to-end run in this process: consumers subscribe first, then publishers send every message with its sequence
/// number and send time (a <see cref="Stopwatch"/> timestamp: both ends are this process) in headers; a consumer records
/// the latency of the first delivery of each sequence number. Counters are read while it runs to draw progress.
/// </summary>
internal sealed class BenchRun
{
    /// <summary>Each body starts with its sequence number (int32) and send time (int64 Stopwatch ticks), little-endian.</summary>
    public const int StampBytes = 12;

    private readonly BenchSettings _settings;
    private readonly long[] _latencies;
    private readonly TaskCompletionSource _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _published;
    private long _errors;
    private int _received;
    private long _lastReceived;

    public BenchRun(BenchSettings settings)
    {
        _settings = settings;
        _latencies = new long[settings.Messages];
        Array.Fill(_latencies, -1);
    }

    /// <summary>Messages the broker has acknowledged so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Distinct messages consumed so far.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Runs the benchmark against <paramref name="broker"/> and summarises it.</summary>
    public async Task<BenchSummary> RunAsync(IBroker broker, CancellationToken cancellationToken)
    {
        var subscriptions = new List<ISubscription>();
        try
        {
            for (var c = 0; c < _settings.Consumers; c++)
            {
                var options = new SubscriptionOptions(_settings.Topic, "omnibus-bench") { Concurrency = _settings.Concurrency, DrainTimeout = TimeSpan.FromSeconds(5) };
                subscriptions.Add(await broker.SubscribeAsync(options, HandleAsync, cancellationToken).ConfigureAwait(false));
            }

            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, _settings.Publishers).Select(p => Task.Run(() => PublishAsync(broker, p, cancellationToken), cancellationToken))).ConfigureAwait(false);
            var publishSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (Received < _settings.Messages - Interlocked.Read(ref _errors))
            {
                try
                {
                    await _allReceived.Task.WaitAsync(_settings.Timeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Reported as missing messages in the summary.
                }
            }

            var endToEndSeconds = Stopwatch.GetElapsedTime(start, Math.Max(Volatile.Read(ref _lastReceived), start)).TotalSeconds;
            return Summarise(publishSeconds, endToEndSeconds);
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task PublishAsync(IBroker broker, int publisher, CancellationToken cancellationToken)
    {
        var pending = new Queue<ValueTask>(_settings.Window);
        for (var seq = publisher; seq < _settings.Messages; seq += _settings.Publishers)
        {
            var body = new byte[_settings.Size];
            body.AsSpan(StampBytes).Fill((byte)'x');
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(body, seq);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(4), Stopwatch.GetTimestamp());
            var message = new Message(body);
            pending.Enqueue(StartPublish(broker, message, cancellationToken));
            if (pending.Count >= _settings.Window)
            {
                await SettleAsync(pending.Dequeue()).ConfigureAwait(false);
            }
        }

        while (pending.TryDequeue(out var publish))
        {
            await SettleAsync(publish).ConfigureAwait(false);
        }
    }

    private ValueTask StartPublish(IBroker broker, Message message, CancellationToken cancellationToken)
    {
        try
        {
            return broker.PublishAsync(_settings.Topic, message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ValueTask.FromException(e);
        }
    }

    private async ValueTask SettleAsync(ValueTask publish)
    {
        try
        {
            await publish.ConfigureAwait(false);
            Interlocked.Increment(ref _published);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed publish is counted, not fatal: the summary reports errors, as a load test should.
            Interlocked.Increment(ref _errors);
        }
    }

    private ValueTask HandleAsync(Message message, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var stamp = message.Body.Span;
        if (stamp.Length >= StampBytes
            && System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(stamp) is var seq && seq >= 0 && seq < _latencies.Length
            && System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(stamp[4..]) is var sent
            && Interlocked.CompareExchange(ref _latencies[seq], Math.Max(0, now - sent), -1) == -1)
        {
            Volatile.Write(ref _lastReceived, now);
            if (Interlocked.Increment(ref _received) + Interlocked.Read(ref _errors) >= _settings.Messages)
            {
                _allReceived.TrySetResult();
            }
        }

        return ValueTask.CompletedTask;
    }

    private BenchSummary Summarise(double publishSeconds, double endToEndSeconds)
    {
        var latencies = _latencies.Where(l => l >= 0).Order().ToArray();
        double Percentile(double p) => latencies.Length == 0 ? 0 : latencies[(int)Math.Round(p * (latencies.Length - 1))] * 1000.0 / Stopwatch.Frequency;
        var published = Published;
        return new BenchSummary(
            Messages: _settings.Messages,
            Size: _settings.Size,
            Publishers: _settings.Publishers,
            Consumers: _settings.Consumers,
            Published: published,
            Received: latencies.Length,
            Errors: Interlocked.Read(ref _errors),
            Missing: Math.Max(0, published - latencies.Length),
            PublishSeconds: publishSeconds,
            EndToEndSeconds: endToEndSeconds,
            PublishPerSecond: published / Math.Max(publishSeconds, 1e-9),
            EndToEndPerSecond: latencies.Length / Math.Max(endToEndSeconds, 1e-9),
            P50Ms: Percentile(0.50),
            P99Ms: Percentile(0.99),
            MaxMs: Percentile(1.0));
    }
}

/// <summary>The outcome of a <see cref="BenchRun"/>; <c>bench --json</c> prints it as is.</summary>
internal sealed record BenchSummary(
    int Messages, int Size, int Publishers, int Consumers, long Published, long Received, long Errors, long Missing,
    double PublishSeconds, double EndToEndSeconds, double PublishPerSecond, double EndToEndPerSecond, double P50Ms, double P99Ms, double MaxMs);
