namespace Omnibus.Server.Tests;

/// <summary>Samples the managed heap of this process (server and clients alike) until disposed; records the peak.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    public MemorySampler()
    {
        Baseline = Settled();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _peak = Math.Max(_peak, GC.GetTotalMemory(false));
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Managed bytes after a full collection when sampling started.</summary>
    public long Baseline { get; }

    /// <summary>The highest managed heap size seen (without forcing collections), above the baseline, in MiB.</summary>
    public double PeakGrowthMiB => (Math.Max(_peak, Baseline) - Baseline) / 1048576.0;

    /// <summary>Managed bytes after a full collection now, above the baseline, in MiB.</summary>
    public double SettledGrowthMiB => (Settled() - Baseline) / 1048576.0;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
    }

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(true);
    }
}
