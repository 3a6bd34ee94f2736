using System.Diagnostics;

namespace Omnibus.Bench.Drivers;

/// <summary>One measured run of one side of one case: throughput, and this process's CPU and allocations per message.</summary>
internal readonly record struct Sample(double MessagesPerSecond, double CpuMicrosPerMessage, double AllocatedBytesPerMessage, double Seconds);

/// <summary>A clock, this process's CPU time and its allocated bytes, started together; <see cref="Stop"/> turns them into a <see cref="Sample"/>.</summary>
internal sealed class Meter
{
    private long _started;
    private TimeSpan _cpuStarted;
    private long _allocatedStarted;
    private int _isStarted;

    public bool IsStarted => Volatile.Read(ref _isStarted) == 1;

    public static Meter StartNew()
    {
        var meter = new Meter();
        meter.Start();
        return meter;
    }

    /// <summary>Starts the clock; only the first call counts (consumers start it at their first message).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _isStarted, 1) == 0)
        {
            _cpuStarted = Environment.CpuUsage.TotalTime;
            _allocatedStarted = GC.GetTotalAllocatedBytes(precise: true);
            _started = Stopwatch.GetTimestamp();
        }
    }

    public Sample Stop(long messages)
    {
        var elapsed = Stopwatch.GetElapsedTime(_started);
        var cpu = Environment.CpuUsage.TotalTime - _cpuStarted;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocatedStarted;
        return new Sample(messages / elapsed.TotalSeconds, cpu.TotalMicroseconds / messages, (double)allocated / messages, elapsed.TotalSeconds);
    }
}

/// <summary>The publishing loop both sides share: a sliding window of outstanding publishes.</summary>
internal static class Pipeline
{
    /// <summary>Calls <paramref name="publish"/> for 0..count-1, keeping at most <paramref name="window"/> outstanding and awaiting the oldest first.</summary>
    public static async Task RunAsync(int count, int window, Func<int, ValueTask> publish)
    {
        var pending = new ValueTask[window];
        for (var i = 0; i < count; i++)
        {
            var slot = i % window;
            await pending[slot];
            pending[slot] = publish(i);
        }

        foreach (var outstanding in pending)
        {
            await outstanding;
        }
    }
}

/// <summary>Counts handled messages and completes when the expected number is reached; the meter starts at the first.</summary>
internal sealed class Countdown
{
    private readonly long _expected;
    private readonly TaskCompletionSource<Sample> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count;

    public Countdown(long expected) => _expected = expected;

    public Meter Meter { get; } = new();

    public Task<Sample> Done => _done.Task;

    public long Count => Volatile.Read(ref _count);

    /// <summary>Counts one message; the one that reaches the expected number stops the meter.</summary>
    public void Signal()
    {
        if (!Meter.IsStarted)
        {
            Meter.Start();
        }

        if (Interlocked.Increment(ref _count) == _expected)
        {
            _done.TrySetResult(Meter.Stop(_expected));
        }
    }

    /// <summary>Waits for the count, failing with what was counted if it does not arrive in time.</summary>
    public async Task<Sample> WaitAsync(TimeSpan timeout, string what)
    {
        try
        {
            return await Done.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what}: {Count:#,0} of {_expected:#,0} messages within {timeout}.");
        }
    }
}
