using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Omnibus.Conformance;
using Omnibus.Embedded.Tests.Storage;

namespace Omnibus.Embedded.Tests.Engine;

public sealed class EngineRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Group_AfterRestart_ContinuesWhereItLeftOff()
    {
        using var data = new TempDirectory();
        var connection = $"embedded://{data.Path}";
        var first = new Recorder<Message>();
        await using (var broker = Broker.Connect(connection))
        {
            await (await broker.SubscribeAsync(new SubscriptionOptions("orders", "billing"), (_, _) => default)).CloseAsync();
            for (var i = 0; i < 100; i++)
            {
                await broker.PublishAsync("orders", Message.FromString($"m{i}"));
            }

            var sub = await broker.SubscribeAsync(new SubscriptionOptions("orders", "billing"), (m, _) =>
            {
                if (first.Count >= 40)
                {
                    return ValueTask.FromException(new InvalidOperationException("stop here"));
                }

                first.Add(m);
                return default;
            });
            await first.WaitForCountAsync(40, Timeout);
            await sub.CloseAsync();
        }

        var second = new Recorder<Message>();
        await using (var broker = Broker.Connect(connection))
        {
            await using var sub = await broker.SubscribeAsync(new SubscriptionOptions("orders", "billing"), (m, _) => { second.Add(m); return default; });
            await broker.PublishAsync("orders", Message.FromString("marker"));
            await second.WaitUntilAsync(items => items.Any(m => m.GetString() == "marker"), Timeout, "the marker");
        }

        var firstBodies = first.Items.Select(m => m.GetString()).ToHashSet();
        var secondBodies = second.Items.Select(m => m.GetString()).Where(b => b != "marker").ToList();
        Assert.Equal(40, firstBodies.Count);
        Assert.Empty(secondBodies.Intersect(firstBodies));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}").Except(firstBodies).Order(), secondBodies.Order());
    }

    [Fact]
    public async Task TornTail_AtStart_IsReportedAndEverythingBeforeIsServed()
    {
        using var data = new TempDirectory();
        var connection = $"embedded://{data.Path}";
        var segment = await PublishFiftyAsync(connection, data.Path);
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 7); // a write torn by a crash
        }

        var (bodies, logs) = await ReadAllAsync(connection, "t");
        Assert.Equal(Enumerable.Range(0, 49).Select(i => $"m{i}"), bodies);
        Assert.Contains(logs, l => l.Contains(Path.GetFileName(segment), StringComparison.Ordinal) && l.Contains("49", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FlippedByte_InTail_AtStart_IsReportedAndEverythingBeforeIsServed()
    {
        using var data = new TempDirectory();
        var connection = $"embedded://{data.Path}";
        var segment = await PublishFiftyAsync(connection, data.Path);
        var bytes = File.ReadAllBytes(segment);
        var recordSize = bytes.Length / 50;
        bytes[(30 * recordSize) + (recordSize / 2)] ^= 0x40; // inside record 30
        File.WriteAllBytes(segment, bytes);

        var (bodies, logs) = await ReadAllAsync(connection, "t");
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"m{i}"), bodies.Take(30));
        Assert.DoesNotContain("m30", bodies);
        Assert.Contains(logs, l => l.Contains(Path.GetFileName(segment), StringComparison.Ordinal) && l.Contains("30", StringComparison.Ordinal));
    }

    /// <summary>Publishes m0..m49 to topic "t", closes the broker, and returns the one segment file they went to.</summary>
    private static async Task<string> PublishFiftyAsync(string connection, string dataDirectory)
    {
        await using (var broker = Broker.Connect(connection))
        {
            for (var i = 0; i < 50; i++)
            {
                await broker.PublishAsync("t", Message.FromString($"m{i}"));
            }
        }

        return Directory.GetFiles(Path.Combine(dataDirectory, "topics", "t"), "*.log", SearchOption.AllDirectories).Single();
    }

    private static async Task<(List<string> Bodies, List<string> Logs)> ReadAllAsync(string connection, string topic)
    {
        var logs = new ConcurrentQueue<string>();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new CapturingProvider(logs)).SetMinimumLevel(LogLevel.Information));
        var seen = new Recorder<Message>();
        await using var broker = Broker.Connect(connection, new BrokerClientOptions { LoggerFactory = loggerFactory });
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "reader"), (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync(topic, Message.FromString("marker"));
        await seen.WaitUntilAsync(items => items.Any(m => m.GetString() == "marker"), Timeout, "the marker");
        return (seen.Items.Select(m => m.GetString()).Where(b => b != "marker").ToList(), logs.ToList());
    }

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)}");
        }
    }
}
