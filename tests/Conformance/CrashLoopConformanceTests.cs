using System.Text;
using Omnibus.Conformance.Xunit;
using Xunit;

namespace Omnibus.Conformance;

/// <summary>
/// A message whose handling kills the process every time (tests/PoisonHost: <c>Environment.FailFast</c> in the
/// handler) is dead-lettered after MaxAttempts, and the other messages of its partition or queue move on. The child host
/// runs MaxAttempts times, each run dying on the poison message, which must arrive with the attempt number of the run
/// (the count survives the process); the next run finds it beyond its last attempt, dead-letters it without running the
/// handler, and handles the rest. A driver's test project subclasses this with its connection string (the suite's project
/// builds tests/PoisonHost). memory:// has no subclass: its broker lives in the consumer's process, so a crash loses every
/// message anyway.
/// </summary>
public abstract class CrashLoopConformanceTests : IAsyncLifetime
{
    private const int MaxAttempts = 3;
    private readonly string _run = Guid.NewGuid().ToString("N")[..10];

    /// <summary>How long one child run, or the final wait, may take.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromSeconds(60);

    /// <summary>The connection string the parent and every child use; all reach the same broker.</summary>
    protected abstract string ConnectionString { get; }

    /// <summary>Nothing to set up by default (a subclass starts its server here).</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Nothing to tear down by default.</summary>
    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Whether two groups of the dead-letter topic each get every dead letter. A driver with one group per topic
    /// (sqs://: a topic is one queue) runs the scenario with the parent's group alone on the dead-letter topic, which the
    /// parent reads while the last child runs.
    /// </summary>
    protected virtual bool DeadLetterFanOut => true;

    /// <summary>A defect the driver is known to show in this scenario (reported as a skip naming it), or null.</summary>
    protected virtual string? KnownDefect => null;

    [ConformanceFact]
    public async Task HandlerKillsProcess_EveryAttempt_DeadLetteredAfterMaxAttempts_OthersMoveOn()
    {
        if (KnownDefect is { } defect)
        {
            throw new KnownDefectException(defect);
        }

        var topic = $"crashloop-{_run}";
        var group = $"g-{_run}";
        var watchGroup = DeadLetterFanOut ? $"watch-{_run}" : "-"; // the children's view of the dead-letter topic ("-": none)
        var auditGroup = $"audit-{_run}"; // the parent's, read once at the end: every dead letter of every run
        var innocent = new List<string>();
        var poisonId = $"poison-{_run}";

        // The parent connects only while no child runs: embedded:// lets one process at a time open its data directory.
        // Both groups exist before anything is published, so every driver keeps the messages (and the dead letter) for them.
        await using (var broker = Broker.Connect(ConnectionString))
        {
            if (DeadLetterFanOut)
            {
                await CreateGroupAsync(broker, topic + ".dlq", watchGroup);
            }

            await CreateGroupAsync(broker, topic + ".dlq", auditGroup);
            await CreateGroupAsync(broker, topic, group);
            for (var i = 0; i < 10; i++)
            {
                var id = i == 3 ? poisonId : $"m{i}-{_run}";
                // One key: one partition (Kafka) or one queue, so the messages after the poison wait behind it.
                await broker.PublishAsync(topic, new Message(Encoding.UTF8.GetBytes(i == 3 ? "poison" : $"body {i}")) { Id = id, Key = "one-key" });
                if (i != 3)
                {
                    innocent.Add(id);
                }
            }
        }

        var handled = new HashSet<string>();
        var story = new List<string>(); // every run's report, for the failure messages
        for (var run = 1; run <= MaxAttempts; run++)
        {
            using var child = ChildProcess.Start("PoisonHost", "Omnibus.PoisonHost", ConnectionString, topic, group, MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), watchGroup);
            Assert.True(await child.WaitForExitAsync(Timeout), $"run {run} did not die on the poison message within {Timeout}: {child.Describe()}; before: {string.Join("; ", story)}");
            Assert.NotEqual(0, child.ExitCode);
            Assert.Contains($"CRASH {poisonId} {run}", child.Lines); // the attempt survived every earlier death
            handled.UnionWith(Handled(child));
            story.Add($"run {run}: {string.Join(", ", child.Lines)}");
        }

        var dead = new Recorder<Message>();
        await using var audits = DeadLetterFanOut ? null : Broker.Connect(ConnectionString);
        await using var audit = audits is null ? null : await audits.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", auditGroup), (m, _) => { dead.Add(m); return default; });
        using (var last = ChildProcess.Start("PoisonHost", "Omnibus.PoisonHost", ConnectionString, topic, group, MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), watchGroup))
        {
            var done = await last.WaitUntilAsync(
                child => (!DeadLetterFanOut || child.Lines.Contains($"D {poisonId}")) && innocent.All(id => handled.Contains(id) || child.Lines.Any(l => l.StartsWith($"H {id} ", StringComparison.Ordinal))),
                Timeout);
            Assert.True(done, $"the last run did not dead-letter the poison and handle the rest: {last.Describe()}; before: {string.Join("; ", story)}");
            if (!DeadLetterFanOut)
            {
                await dead.WaitUntilAsync(items => items.Any(m => m.Id == poisonId), Timeout, $"the poison's dead letter; the last run: {last.Describe()}");
            }

            Assert.DoesNotContain(last.Lines, l => l.StartsWith("CRASH ", StringComparison.Ordinal)); // dead-lettered without running the handler
            await last.KillAsync();
            handled.UnionWith(Handled(last));
            story.Add($"last run: {string.Join(", ", last.Lines)}");
        }

        Assert.Equal(innocent.Order(), handled.Order());
        await using (var broker = Broker.Connect(ConnectionString))
        {
            await using var late = DeadLetterFanOut ? await broker.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", auditGroup), (m, _) => { dead.Add(m); return default; }) : null;
            // A marker published now (same key: same partition) comes after every dead letter of the runs.
            var marker = $"marker-{_run}";
            await broker.PublishAsync(topic + ".dlq", new Message(Encoding.UTF8.GetBytes("marker")) { Id = marker, Key = "one-key" });
            await dead.WaitUntilAsync(items => items.Any(m => m.Id == marker), Timeout, "the marker behind the dead letters");
        }

        Assert.True(dead.Items.Count == 2 && dead.Items.Any(m => m.Id == poisonId), $"dead letters: {string.Join(", ", dead.Items.Select(m => m.Id))}; {string.Join("; ", story)}");
        var letter = dead.Items.Single(m => m.Id == poisonId);
        Assert.Equal(poisonId, letter.Id);
        Assert.Equal("poison", letter.GetString());
        Assert.Equal(typeof(DeliveryAttemptsExhaustedException).FullName, letter.GetHeader(HeaderNames.ErrorType));
        Assert.Contains("Delivery attempts exhausted", letter.GetHeader(HeaderNames.ErrorMessage), StringComparison.Ordinal);
        Assert.Equal(MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), letter.GetHeader(HeaderNames.DeliveryAttempts));
        Assert.Equal(topic, letter.GetHeader(HeaderNames.OriginalTopic));
        Assert.Equal(group, letter.GetHeader(HeaderNames.OriginalGroup));
    }

    private static async Task CreateGroupAsync(IBroker broker, string topic, string group)
    {
        var subscription = await broker.SubscribeAsync(
            new SubscriptionOptions(topic, group), // the driver's own start: nothing is published yet
            (_, _) => throw new InvalidOperationException("the group is only created here, before anything is published"));
        await subscription.DisposeAsync();
    }

    private static IEnumerable<string> Handled(ChildProcess child) =>
        child.Lines.Where(l => l.StartsWith("H ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]);
}
