using System.Diagnostics;
using System.Globalization;
using Omnibus.Drivers.Redis;
using StackExchange.Redis;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// redis:// against StackExchange.Redis on a real redis-server without persistence. Raw publish: pipelined
/// <c>XADD key * body &lt;100 bytes&gt;</c>, the same window of outstanding publishes as Omnibus. Raw consume: one
/// loop of <c>XREADGROUP COUNT n</c> + one <c>XACK</c> of the ids read, the figure Redis's own peer numbers use. Omnibus
/// consume: a subscription with the driver's prefetch at the same n. Also the idle-to-first-message latency of both
/// sides: Omnibus with and without the wake-up, raw with a fixed 100 ms poll (the usual loop around a client that
/// cannot block).
/// </summary>
internal sealed class RedisBench : IAsyncDisposable
{
    private const string Group = "bench";
    private const int LatencyRounds = 7;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RawPoll = TimeSpan.FromMilliseconds(100);

    private readonly BenchSettings _settings;
    private readonly RedisNode _node;
    private readonly byte[] _body;
    private ConnectionMultiplexer _raw = null!;
    private IDatabase _db = null!;
    private Broker _omnibus = null!;
    private int _topics;

    private RedisBench(BenchSettings settings, RedisNode node, byte[] body)
    {
        _settings = settings;
        _node = node;
        _body = body;
    }

    private string OmnibusConnectionString => Invariant($"redis://127.0.0.1:{_node.Port}?prefetch={_settings.RedisCount}");

    public static async Task<RedisBench> StartAsync(BenchSettings settings, RedisNode node, byte[] body)
    {
        _ = typeof(RedisDriverFactory); // loads the driver assembly so the registry finds redis://
        var bench = new RedisBench(settings, node, body);
        bench._raw = await ConnectionMultiplexer.ConnectAsync(Invariant($"127.0.0.1:{node.Port}"));
        bench._db = bench._raw.GetDatabase();
        bench._omnibus = Broker.Connect(bench.OmnibusConnectionString);
        return bench;
    }

    public string Describe() =>
        $"Redis: Debian's redis-server {_raw.GetServer(_raw.GetEndPoints()[0]).Version}, 127.0.0.1:{_node.Port}, no persistence (save '', appendonly no). " +
        $"Omnibus: `{OmnibusConnectionString}`; subscription Concurrency = {_settings.Concurrency}. " +
        $"Raw: StackExchange.Redis {ClientVersion()}, one multiplexer; XADD with a single body field; one loop of XREADGROUP COUNT {_settings.RedisCount} and XACK of the ids read, awaited.";

    public async Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.RedisMessages;
        var publish = new CaseResult("Redis", "publish", Invariant($"{messages:#,0} msgs, {_settings.Window} in flight, XADD acknowledged"), [], []);
        var consume = new CaseResult("Redis", "consume", Invariant($"{messages:#,0}-entry backlog, 1 consumer, COUNT/prefetch {_settings.RedisCount}, XACK"), [], []);

        Console.WriteLine("redis: warm-up round (not measured)");
        var warmUp = Math.Max(1000, messages / 5);
        if (_settings.Publish)
        {
            await PublishAsync(warmUp, raw: true);
            await PublishAsync(warmUp, raw: false);
        }

        if (_settings.Consume)
        {
            await RawConsumeAsync(warmUp);
            await OmnibusConsumeAsync(warmUp);
        }

        for (var run = 1; run <= _settings.RunCount; run++)
        {
            if (_settings.Publish)
            {
                CaseResult.Report(run, publish, "raw", await PublishAsync(messages, raw: true), publish.Raw);
                CaseResult.Report(run, publish, "Omnibus", await PublishAsync(messages, raw: false), publish.Omnibus);
            }

            if (_settings.Consume)
            {
                CaseResult.Report(run, consume, "raw", await RawConsumeAsync(messages), consume.Raw);
                CaseResult.Report(run, consume, "Omnibus", await OmnibusConsumeAsync(messages), consume.Omnibus);
            }
        }

        if (_settings.Latency)
        {
            await ReportLatencyAsync();
        }

        return [.. new[] { publish, consume }.Where(r => r.Raw.Count > 0)];
    }

    public async ValueTask DisposeAsync()
    {
        if (_omnibus is not null)
        {
            await _omnibus.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string ClientVersion() =>
        typeof(ConnectionMultiplexer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute { InformationalVersion: var version }, ..] ? version.Split('+')[0] : "version unknown";

    private string NewTopic(string purpose) => Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}");

    private async Task CheckAndDeleteAsync(string key, long expectedLength, bool groupDone)
    {
        var length = await _db.StreamLengthAsync(key);
        var pending = groupDone ? (await _db.StreamPendingAsync(key, Group)).PendingMessageCount : 0;
        if (length != expectedLength || pending != 0)
        {
            throw new InvalidOperationException($"Stream {key} holds {length} entries ({pending} pending); expected {expectedLength} and none pending.");
        }

        await _db.KeyDeleteAsync(key);
    }

    private async Task<Sample> PublishAsync(int messages, bool raw)
    {
        var key = NewTopic(raw ? "raw-publish" : "omnibus-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, raw
            ? _ => new ValueTask(_db.StreamAddAsync(key, "body", _body))
            : _ => _omnibus.PublishAsync(key, new Message(_body)));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(key, messages, groupDone: false);
        return sample;
    }

    /// <summary>A backlog published through Omnibus (both consumers read what Omnibus writes), the group created at its start.</summary>
    private async Task<string> PreloadAsync(int messages)
    {
        var key = NewTopic("backlog");
        await _db.StreamCreateConsumerGroupAsync(key, Group, "0", createStream: true);
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(key, new Message(_body)));
        return key;
    }

    private async Task<Sample> RawConsumeAsync(int messages)
    {
        var key = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var consuming = Task.Run(async () =>
        {
            while (countdown.Count < messages)
            {
                var entries = await _db.StreamReadGroupAsync(key, Group, "raw", StreamPosition.NewMessages, _settings.RedisCount);
                foreach (var _ in entries)
                {
                    countdown.Signal();
                }

                if (entries.Length > 0)
                {
                    await _db.StreamAcknowledgeAsync(key, Group, [.. entries.Select(e => e.Id)]);
                }
            }
        });
        var sample = await countdown.WaitAsync(CaseTimeout, "raw Redis consumer");
        await consuming;
        await CheckAndDeleteAsync(key, messages, groupDone: true);
        return sample;
    }

    private async Task<Sample> OmnibusConsumeAsync(int messages)
    {
        var key = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var subscription = await _omnibus.SubscribeAsync(
            new SubscriptionOptions(key, Group) { Concurrency = _settings.Concurrency },
            (message, cancellationToken) =>
            {
                countdown.Signal();
                return default;
            });
        Sample sample;
        await using (subscription)
        {
            sample = await countdown.WaitAsync(CaseTimeout, "Omnibus Redis subscription");
        }

        await CheckAndDeleteAsync(key, messages, groupDone: true);
        return sample;
    }

    /// <summary>Publish-to-handler time of one message after the consumer idled for a second, median of some rounds.</summary>
    private async Task ReportLatencyAsync()
    {
        foreach (var options in new[] { string.Empty, "&wakeUp=false" })
        {
            await using var consumer = Broker.Connect(OmnibusConnectionString + options);
            var key = NewTopic("latency");
            var arrived = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
            await using var subscription = await consumer.SubscribeAsync(new SubscriptionOptions(key, Group), (m, _) => { arrived[m.Id] = Stopwatch.GetTimestamp(); return default; });
            var latencies = await MeasureAsync(key, arrived);
            Console.WriteLine(Invariant($"redis idle-to-first-message, Omnibus{(options.Length == 0 ? " (wake-up on)" : " (" + options[1..] + ", pollMax 100 ms)")}: median {CaseResult.Median(latencies):0.0} ms (each: {string.Join(", ", latencies.Select(l => l.ToString("0.0", CultureInfo.InvariantCulture)))})"));
        }

        var rawKey = NewTopic("latency-raw");
        await _db.StreamCreateConsumerGroupAsync(rawKey, Group, "$", createStream: true);
        var rawArrived = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var stop = new CancellationTokenSource();
        var polling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var entries = await _db.StreamReadGroupAsync(rawKey, Group, "raw", StreamPosition.NewMessages, 10);
                foreach (var entry in entries)
                {
                    rawArrived[entry.Values.First(v => v.Name == "id").Value.ToString()] = Stopwatch.GetTimestamp();
                }

                if (entries.Length == 0)
                {
                    await Task.Delay(RawPoll, CancellationToken.None);
                }
            }
        });
        var raw = await MeasureAsync(rawKey, rawArrived);
        await stop.CancelAsync();
        await polling;
        Console.WriteLine(Invariant($"redis idle-to-first-message, raw XREADGROUP polled every {RawPoll.TotalMilliseconds} ms: median {CaseResult.Median(raw):0.0} ms (each: {string.Join(", ", raw.Select(l => l.ToString("0.0", CultureInfo.InvariantCulture)))})"));
    }

    private async Task<List<double>> MeasureAsync(string key, System.Collections.Concurrent.ConcurrentDictionary<string, long> arrived)
    {
        await using var publisher = Broker.Connect(OmnibusConnectionString);
        var latencies = new List<double>();
        for (var i = 0; i < LatencyRounds; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // idle: the consumer's wait has grown to its longest
            var message = new Message(_body);
            var sent = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(key, message);
            var clock = Stopwatch.StartNew();
            while (!arrived.ContainsKey(message.Id))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10))
                {
                    throw new TimeoutException($"message {message.Id} did not arrive on {key}");
                }

                await Task.Delay(1);
            }

            latencies.Add(Stopwatch.GetElapsedTime(sent, arrived[message.Id]).TotalMilliseconds);
        }

        return latencies;
    }
}
