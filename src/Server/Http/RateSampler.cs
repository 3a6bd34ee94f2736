using Microsoft.Extensions.Logging;
using Omnibus.Drivers;

namespace Omnibus.Server.Http;

/// <summary>
/// Samples every topic's published total once per <see cref="Interval"/> and derives publish rates from the deltas, keeping
/// the last <see cref="HistoryLength"/> samples for the dashboard's chart. Thread-safe: one loop writes, requests read a
/// snapshot that is replaced whole.
/// </summary>
internal sealed class RateSampler : IAsyncDisposable
{
    /// <summary>How often topics are sampled.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How many samples the history keeps (two minutes at one per second).</summary>
    public const int HistoryLength = 120;

    private readonly IBrokerAdmin _admin;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Dictionary<string, long>? _previous;
    private long _previousTicks;
    private volatile Snapshot _snapshot = new(new Dictionary<string, double>(StringComparer.Ordinal), []);
    private Task? _loop;

    public RateSampler(IBrokerAdmin admin, ILogger logger)
    {
        _admin = admin;
        _logger = logger;
    }

    /// <summary>Publish rates of the last interval by topic, in messages per second.</summary>
    public IReadOnlyDictionary<string, double> Rates => _snapshot.Rates;

    /// <summary>Rates per interval, oldest first.</summary>
    public IReadOnlyList<Sample> History => _snapshot.History;

    public void Start() => _loop ??= Task.Run(RunAsync);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await SampleAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task SampleAsync()
    {
        IReadOnlyList<TopicInfo> topics;
        try
        {
            topics = await _admin.GetTopicsAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HttpLog.SampleFailed(_logger, e);
            return;
        }

        var now = Environment.TickCount64;
        var totals = topics.ToDictionary(t => t.Name, t => t.Published, StringComparer.Ordinal);
        if (_previous is not null && now > _previousTicks)
        {
            var seconds = (now - _previousTicks) / 1000.0;
            var rates = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, published) in totals)
            {
                var before = _previous.GetValueOrDefault(name);
                rates[name] = Math.Max(0, published - before) / seconds;
            }

            var old = _snapshot.History;
            var history = new List<Sample>(Math.Min(old.Count + 1, HistoryLength));
            history.AddRange(old.Skip(Math.Max(0, old.Count + 1 - HistoryLength)));
            history.Add(new Sample(DateTimeOffset.UtcNow, rates));
            _snapshot = new Snapshot(rates, history);
        }

        _previous = totals;
        _previousTicks = now;
    }

    /// <summary>The rates of one interval, by topic, ending at <paramref name="At"/>.</summary>
    public sealed record Sample(DateTimeOffset At, IReadOnlyDictionary<string, double> Rates);

    private sealed record Snapshot(IReadOnlyDictionary<string, double> Rates, IReadOnlyList<Sample> History);
}
