using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Conformance.Xunit;
using Omnibus.Triggers;
using Omnibus.Triggers.Internal;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// The scale monitor of a [BrokerTrigger] function on this driver: the backlog it reads counts every message the group
/// has not acknowledged (waiting and in flight), falls to 0 once they are handled, and its votes follow: out with a
/// backlog bigger than the workers can hold, in when idle.
/// </summary>
public abstract partial class BrokerConformanceTests
{
    private const int ScaleBacklog = 200;

    [ConformanceFact]
    public async Task ScaleMonitor_BacklogBeforeAndAfterConsuming_VotesOutThenIn()
    {
        RequireFeature(f => f.ConsumerGroups, nameof(BrokerFeatures.ConsumerGroups));
        if (Broker.Backlog is null)
        {
            throw new FeatureNotDeclaredException(nameof(IBroker.Backlog));
        }

        var topic = NewName("scale");
        var options = Options(topic);

        // The monitor runs where the scale controller does: its own connection, not the consumer's.
        var observer = Track(CreateMonitorConnection());
        var monitor = new BrokerScaleMonitor("conformance", new BrokerTriggerSettings("conformance", observer.Name, options), () => observer.Backlog, NullLogger.Instance);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new Recorder<string>();

        // The group exists (and holds what is published) before anything is published; its handler waits at the gate.
        await using var sub = await Connect().SubscribeAsync(options, async (m, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            handled.Add(m.Id);
        });
        var sent = Enumerable.Range(0, ScaleBacklog).Select(i => Text($"m{i}", key: $"k{i % 8}")).ToList();
        foreach (var chunk in sent.Chunk(50))
        {
            (await Broker.PublishBatchAsync(topic, chunk)).ThrowIfAnyFailed(topic, Broker.Name);
        }

        var full = await SampleUntilAsync(monitor, b => b == ScaleBacklog, $"a backlog of {ScaleBacklog} before consuming");
        Assert.Equal(ScaleVote.ScaleOut, Vote(monitor, workers: 1, full));
        Assert.Equal(ScaleVote.None, Vote(monitor, workers: ScaleBacklog, full));

        gate.SetResult();
        await handled.WaitForCountAsync(ScaleBacklog, Timeout);
        var idle = await SampleUntilAsync(monitor, b => b == 0, "a backlog of 0 after consuming");
        var idleAgain = await monitor.GetMetricsAsync();
        Assert.True(idleAgain.IsBacklogKnown && idleAgain.Backlog == 0, $"backlog {idleAgain.Backlog} (known: {idleAgain.IsBacklogKnown}) after it was 0");
        Assert.Equal(ScaleVote.ScaleIn, Vote(monitor, workers: 2, idle, idleAgain));
    }

    /// <summary>
    /// The connection a scale monitor reads the backlog through, in a process other than the consumers'. A driver whose
    /// backlog needs more than a plain connection for that (amqp:// needs its management option) says so here.
    /// </summary>
    protected virtual IBroker CreateMonitorConnection() => CreateConnection();

    private static ScaleVote Vote(BrokerScaleMonitor monitor, int workers, params BrokerScaleMetrics[] samples) =>
        monitor.GetScaleStatus(new ScaleStatusContext<BrokerScaleMetrics> { WorkerCount = workers, Metrics = samples }).Vote;

    /// <summary>Samples the monitor until the backlog satisfies <paramref name="expected"/> (brokers count asynchronously).</summary>
    private async Task<BrokerScaleMetrics> SampleUntilAsync(BrokerScaleMonitor monitor, Func<long, bool> expected, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var sample = await monitor.GetMetricsAsync();
            if (sample.IsBacklogKnown && expected(sample.Backlog))
            {
                return sample;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}: the monitor read {(sample.IsBacklogKnown ? sample.Backlog.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown")}.");
            }

            await Task.Delay(50);
        }
    }
}
