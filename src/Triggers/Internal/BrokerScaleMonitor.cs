using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// The scale monitor and target-based scaler of one function, from the driver's optional
/// <see cref="IBacklogSource"/> capability. Without it, nothing is guessed: the monitor votes
/// <see cref="ScaleVote.None"/> and the target scaler keeps one worker, so messages are still consumed.
/// </summary>
internal sealed class BrokerScaleMonitor : IScaleMonitor<BrokerScaleMetrics>, ITargetScaler
{
    private readonly BrokerTriggerSettings _settings;
    private readonly Func<IBacklogSource?> _backlog;
    private readonly ILogger _logger;

    public BrokerScaleMonitor(string functionId, BrokerTriggerSettings settings, BrokerConnectionCache cache, ILogger logger)
        : this(functionId, settings, () => cache.Get(settings.ConnectionString).Backlog, logger)
    {
    }

    /// <summary>A monitor reading the backlog from <paramref name="backlog"/> (the conformance suite passes its broker's).</summary>
    public BrokerScaleMonitor(string functionId, BrokerTriggerSettings settings, Func<IBacklogSource?> backlog, ILogger logger)
    {
        _settings = settings;
        _backlog = backlog;
        _logger = logger;
        var id = $"{functionId}-BrokerTrigger-{settings.Subscription.Topic}-{settings.Subscription.Group}".ToLowerInvariant();
        Descriptor = new ScaleMonitorDescriptor(id, functionId);
        TargetScalerDescriptor = new TargetScalerDescriptor(functionId);
    }

    public ScaleMonitorDescriptor Descriptor { get; }

    public TargetScalerDescriptor TargetScalerDescriptor { get; }

    public async Task<BrokerScaleMetrics> GetMetricsAsync()
    {
        var metrics = new BrokerScaleMetrics { Timestamp = DateTime.UtcNow };
        try
        {
            if (_backlog() is { } source
                && await source.GetBacklogAsync(_settings.Subscription.Topic, _settings.Subscription.Group, CancellationToken.None).ConfigureAwait(false) is { } backlog)
            {
                metrics.Backlog = backlog;
                metrics.IsBacklogKnown = true;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A scale sample must not fail the host; an unknown backlog is reported as such.
            Log.BacklogUnavailable(_logger, e, _settings.Subscription.Topic, _settings.Subscription.Group);
        }

        return metrics;
    }

    async Task<ScaleMetrics> IScaleMonitor.GetMetricsAsync() => await GetMetricsAsync().ConfigureAwait(false);

    public ScaleStatus GetScaleStatus(ScaleStatusContext<BrokerScaleMetrics> context) =>
        new() { Vote = Vote(context.Metrics?.ToArray() ?? [], context.WorkerCount) };

    ScaleStatus IScaleMonitor.GetScaleStatus(ScaleStatusContext context) =>
        new() { Vote = Vote(context.Metrics?.OfType<BrokerScaleMetrics>().ToArray() ?? [], context.WorkerCount) };

    public async Task<TargetScalerResult> GetScaleResultAsync(TargetScalerContext context)
    {
        var metrics = await GetMetricsAsync().ConfigureAwait(false);
        if (!metrics.IsBacklogKnown)
        {
            return new TargetScalerResult { TargetWorkerCount = 1 };
        }

        var perWorker = Math.Max(1, context.InstanceConcurrency ?? _settings.Subscription.Concurrency);
        return new TargetScalerResult { TargetWorkerCount = (int)Math.Min(int.MaxValue, (metrics.Backlog + perWorker - 1) / perWorker) };
    }

    /// <summary>
    /// Out when the latest backlog needs more workers than there are and has been growing over the samples; in when
    /// every recent sample shows no backlog; otherwise none.
    /// </summary>
    private ScaleVote Vote(BrokerScaleMetrics[] samples, int workerCount)
    {
        var known = samples.Where(m => m.IsBacklogKnown).ToArray();
        if (known.Length == 0)
        {
            return ScaleVote.None;
        }

        var latest = known[^1].Backlog;
        var perWorker = Math.Max(1, _settings.Subscription.Concurrency);
        if (latest > (long)workerCount * perWorker && (known.Length == 1 || latest > known[0].Backlog))
        {
            return ScaleVote.ScaleOut;
        }

        return known.Length >= 2 && known.All(m => m.Backlog == 0) ? ScaleVote.ScaleIn : ScaleVote.None;
    }
}
