using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Omnibus.Bench.Server;
using Omnibus.Drivers.Nats;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// nats:// against NATS.Net on a real nats-server 2.9 with JetStream (file storage). Both sides: a fresh stream per case
/// and run (one subject, limits retention, file storage, as the driver creates it), publishes that each wait for their
/// PubAck with the same window in flight, and one durable explicit-ack pull consumer per backlog read with the same
/// batch (raw: NATS.Net's ConsumeAsync with MaxMsgs = prefetch, an awaited AckAsync per message). 100-byte bodies.
/// </summary>
internal sealed class NatsBench : IAsyncDisposable
{
    private const string Group = "bench";
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);

    private readonly BenchSettings _settings;
    private readonly NatsServer _server;
    private readonly byte[] _body;
    private NatsConnection _raw = null!;
    private NatsJSContext _js = null!;
    private Broker _omnibus = null!;
    private int _topics;

    private NatsBench(BenchSettings settings, NatsServer server, byte[] body)
    {
        _settings = settings;
        _server = server;
        _body = body;
    }

    private string Url => string.Create(CultureInfo.InvariantCulture, $"nats://127.0.0.1:{_server.Port}");

    private string OmnibusConnectionString => Invariant($"{Url}?prefetch={_settings.Prefetch}&publishWindow={_settings.Window}");

    public static async Task<NatsBench> StartAsync(BenchSettings settings, NatsServer server, byte[] body)
    {
        _ = typeof(NatsDriverFactory); // loads the driver assembly so the registry finds nats://
        var bench = new NatsBench(settings, server, body);
        bench._raw = new NatsConnection(new NatsOpts { Url = bench.Url, Name = "raw" });
        await bench._raw.ConnectAsync();
        bench._js = new NatsJSContext(bench._raw);
        bench._omnibus = Broker.Connect(bench.OmnibusConnectionString);
        return bench;
    }

    public string Describe() =>
        $"NATS: Debian's nats-server {_raw.ServerInfo?.Version ?? "(version unknown)"} with JetStream, file storage in a temporary directory (2.9 does not fsync before its PubAck), on 127.0.0.1:{_server.Port}. " +
        $"Omnibus: `{OmnibusConnectionString}`; subscription Concurrency = {_settings.Concurrency}. " +
        $"Raw: NATS.Net {ClientVersion()}, one connection, JetStream PublishAsync awaited per message ({_settings.Window} in flight), a durable pull consumer read with ConsumeAsync (MaxMsgs {_settings.Prefetch}) and an awaited AckAsync per message. " +
        "Durability on both sides: a publish counts once its PubAck arrived; a message counts once handled and acked.";

    public Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.NatsMessages;
        var publish = new CaseResult("NATS", "publish", Invariant($"{messages:#,0} msgs, {_settings.Window} in flight, each waits for its PubAck"), [], []);
        var consume = new CaseResult("NATS", "consume", Invariant($"{messages:#,0}-msg file-stored backlog, 1 consumer, {_settings.Concurrency} handler(s) at a time, batch {_settings.Prefetch}, explicit ack"), [], []);

        return CaseRounds.RunAsync(_settings, messages, "nats", (publish, RawPublishAsync, OmnibusPublishAsync), (consume, RawConsumeAsync, OmnibusConsumeAsync));
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
        typeof(NatsConnection).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute { InformationalVersion: var version }, ..] ? version.Split('+')[0].Trim() : "version unknown";

    /// <summary>A fresh topic and its stream, made as the driver makes one (so both sides write to the same kind of stream).</summary>
    private async Task<(string Topic, string Stream)> CreateAsync(string purpose)
    {
        var topic = Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}");
        var stream = "OMNIBUS_" + topic;
        await _js.CreateStreamAsync(new StreamConfig(stream, [topic])
        {
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        });
        return (topic, stream);
    }

    /// <summary>Checks that the stream holds <paramref name="expected"/> messages, then deletes it.</summary>
    private async Task CheckAndDeleteAsync(string stream, long expected)
    {
        var info = await _js.GetStreamAsync(stream);
        if (info.Info.State.Messages != expected)
        {
            throw new InvalidOperationException($"Stream {stream} holds {info.Info.State.Messages} messages; expected {expected}.");
        }

        await _js.DeleteStreamAsync(stream);
    }

    private async ValueTask RawPublishOneAsync(string topic)
    {
        var ack = await _js.PublishAsync(topic, _body);
        ack.EnsureSuccess();
    }

    private async Task<Sample> RawPublishAsync(int messages)
    {
        var (topic, stream) = await CreateAsync("raw-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, _ => RawPublishOneAsync(topic));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(stream, messages);
        return sample;
    }

    private async Task<Sample> OmnibusPublishAsync(int messages)
    {
        var (topic, stream) = await CreateAsync("omnibus-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(topic, new Message(_body)));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(stream, messages);
        return sample;
    }

    /// <summary>A stored backlog published through Omnibus (so both consumers read what Omnibus writes), all acknowledged.</summary>
    private async Task<(string Topic, string Stream)> PreloadAsync(int messages)
    {
        var (topic, stream) = await CreateAsync("backlog");
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(topic, new Message(_body)));
        return (topic, stream);
    }

    /// <summary>The group's consumer as the driver makes it: durable, explicit ack, from the start, no delivery limit.</summary>
    private Task<INatsJSConsumer> RawConsumerAsync(string stream, string topic) =>
        _js.CreateConsumerAsync(stream, new ConsumerConfig(Group)
        {
            DurableName = Group,
            FilterSubject = topic,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckWait = TimeSpan.FromSeconds(30),
            MaxDeliver = -1,
            MaxAckPending = 10_000,
        }).AsTask();

    private async Task CheckConsumedAndDeleteAsync(string stream)
    {
        var consumer = await _js.GetConsumerAsync(stream, Group);
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (consumer.Info.NumAckPending + (long)consumer.Info.NumPending > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50); // the last acks are on their way: poll the server's count until it reaches zero
            await consumer.RefreshAsync();
        }

        if (consumer.Info.NumAckPending + (long)consumer.Info.NumPending > 0)
        {
            throw new InvalidOperationException($"Consumer {Group} of {stream} still has {consumer.Info.NumPending} pending and {consumer.Info.NumAckPending} unacknowledged.");
        }

        await _js.DeleteStreamAsync(stream);
    }

    /// <summary>ConsumeAsync with the same batch, an awaited ack per message, counted. The clock starts at the first message.</summary>
    private async Task<Sample> RawConsumeAsync(int messages)
    {
        var (topic, stream) = await PreloadAsync(messages);
        var consumer = await RawConsumerAsync(stream, topic);
        var countdown = new Countdown(messages);
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = _settings.Prefetch }, cancellationToken: stop.Token))
                {
                    await msg.AckAsync(cancellationToken: stop.Token);
                    countdown.Signal();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Done.
            }
        });
        var sample = await countdown.WaitAsync(CaseTimeout, "raw NATS consumer");
        await stop.CancelAsync();
        await reading;
        await CheckConsumedAndDeleteAsync(stream);
        return sample;
    }

    /// <summary>A subscription whose handler counts and succeeds, so the driver acks. The clock starts at the first message.</summary>
    private async Task<Sample> OmnibusConsumeAsync(int messages)
    {
        var (topic, stream) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var subscription = await _omnibus.SubscribeAsync(
            new SubscriptionOptions(topic, Group) { Concurrency = _settings.Concurrency },
            (message, cancellationToken) =>
            {
                countdown.Signal();
                return default;
            });
        Sample sample;
        await using (subscription)
        {
            sample = await countdown.WaitAsync(CaseTimeout, "Omnibus NATS subscription");
        }

        await CheckConsumedAndDeleteAsync(stream);
        return sample;
    }
}
