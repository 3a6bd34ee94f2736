using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Omnibus.Drivers.PubSub;
using Omnibus.Drivers.PubSub.Internal;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// pubsub:// against our raw generated gRPC client (the one the driver uses, called directly: Google.Cloud.PubSub.V1 is
/// not served here) on Google's Pub/Sub emulator, which this bench starts on a free loopback port and stops. Both
/// sides: a fresh topic per case and run, with a subscription made as the driver makes one (dead-letter policy); raw
/// publishes go as the official clients batch them (100 messages a request, as many requests in flight as the driver's
/// publish lanes, each awaited for its message ids); the raw consumer is one StreamingPull with the same flow control,
/// acknowledging each response's messages in one awaited Acknowledge call. 100-byte bodies.
/// </summary>
internal sealed class PubSubBench : IAsyncDisposable
{
    private const string Project = "omnibus-bench";
    private const int RequestMessages = 100;
    private const int Lanes = 4;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);

    private readonly BenchSettings _settings;
    private readonly byte[] _body;
    private readonly Process _emulator;
    private readonly int _port;
    private PubSubApi _raw = null!;
    private Broker _omnibus = null!;
    private int _topics;

    private PubSubBench(BenchSettings settings, byte[] body, Process emulator, int port)
    {
        _settings = settings;
        _body = body;
        _emulator = emulator;
        _port = port;
    }

    private string ConnectionString => Invariant($"pubsub://{Project}?emulator=127.0.0.1:{_port}&maxOutstandingMessages={_settings.Prefetch}");

    public static async Task<PubSubBench> StartAsync(BenchSettings settings, byte[] body)
    {
        _ = typeof(PubSubDriverFactory); // loads the driver assembly so the registry finds pubsub://
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator", ["--host=127.0.0.1", Invariant($"--port={port}")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("the Pub/Sub emulator did not start");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("Server started", StringComparison.Ordinal) == true) { ready.TrySetResult(); } };
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Server started", StringComparison.Ordinal) == true) { ready.TrySetResult(); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var bench = new PubSubBench(settings, body, process, port);
        bench._raw = new PubSubApi(PubSubSettings.Parse(Omnibus.ConnectionString.Parse(bench.ConnectionString), null));
        bench._omnibus = Broker.Connect(bench.ConnectionString);
        return bench;
    }

    public string Describe() =>
        $"Pub/Sub: Google's emulator (Cloud SDK, a JVM, in memory) on 127.0.0.1:{_port}; it ignores StreamingPull flow control. " +
        $"Omnibus: `{ConnectionString}` (publish lanes 4, 100 messages a request at most); subscription Concurrency = {_settings.Concurrency}. " +
        $"Raw: the driver's generated google.pubsub.v1 client called directly, Publish requests of {RequestMessages} messages, {Lanes} in flight, one StreamingPull (max outstanding {_settings.Prefetch}) with an awaited Acknowledge per response. " +
        "A publish counts once its message id arrived; a message counts once handled and acknowledged.";

    public Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.Messages ?? 20_000;
        var publish = new CaseResult("Pub/Sub", "publish", Invariant($"{messages:#,0} msgs, {_settings.Window} in flight (Omnibus) / {Lanes} requests of {RequestMessages} (raw), each waits for its message id"), [], []);
        var consume = new CaseResult("Pub/Sub", "consume", Invariant($"{messages:#,0}-msg backlog, 1 consumer, {_settings.Concurrency} handler(s) at a time, max outstanding {_settings.Prefetch}"), [], []);
        return CaseRounds.RunAsync(_settings, messages, "pubsub", (publish, RawPublishAsync, OmnibusPublishAsync), (consume, RawConsumeAsync, OmnibusConsumeAsync));
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

        _emulator.Kill(entireProcessTree: true);
        await _emulator.WaitForExitAsync();
        _emulator.Dispose();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A fresh topic with the group's subscription, made as the driver makes them.</summary>
    private async Task<(string Topic, string Subscription)> CreateAsync(string purpose)
    {
        var topic = Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}");
        await _raw.CreateTopicAsync(_raw.TopicPath(topic), default);
        await _raw.CreateTopicAsync(_raw.TopicPath(topic + ".dlq"), default);
        var subscription = _raw.SubscriptionPath(topic + "~bench");
        await _raw.CreateSubscriptionAsync(new Subscription
        {
            Name = subscription,
            Topic = _raw.TopicPath(topic),
            AckDeadlineSeconds = 30,
            DeadLetterPolicy = new DeadLetterPolicy { DeadLetterTopic = _raw.TopicPath(topic + ".dlq"), MaxDeliveryAttempts = 100 },
        }, default);
        return (topic, subscription);
    }

    private async Task<Sample> RawPublishAsync(int messages)
    {
        var (topic, subscription) = await CreateAsync("raw-publish");
        var path = _raw.TopicPath(topic);
        var meter = Meter.StartNew();
        var requests = (messages + RequestMessages - 1) / RequestMessages;
        await Pipeline.RunAsync(requests, Lanes, async r =>
        {
            var size = Math.Min(RequestMessages, messages - (r * RequestMessages));
            var ids = await _raw.PublishAsync(path, Enumerable.Range(0, size).Select(_ => new PubsubMessage { Data = ByteString.CopyFrom(_body) }), default);
            if (ids.Count != size)
            {
                throw new InvalidOperationException($"{ids.Count} ids for {size} messages");
            }
        });
        var sample = meter.Stop(messages);
        await _raw.DeleteSubscriptionAsync(subscription, default);
        return sample;
    }

    private async Task<Sample> OmnibusPublishAsync(int messages)
    {
        var (topic, subscription) = await CreateAsync("omnibus-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(topic, new Message(_body)));
        var sample = meter.Stop(messages);
        await _raw.DeleteSubscriptionAsync(subscription, default);
        return sample;
    }

    /// <summary>A backlog published through Omnibus (so both consumers read what Omnibus writes).</summary>
    private async Task<(string Topic, string Subscription)> PreloadAsync(int messages)
    {
        var (topic, subscription) = await CreateAsync("backlog");
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(topic, new Message(_body)));
        return (topic, subscription);
    }

    private async Task<Sample> RawConsumeAsync(int messages)
    {
        var (_, subscription) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                using var call = _raw.StreamingPull(stop.Token);
                await call.RequestStream.WriteAsync(new StreamingPullRequest { Subscription = subscription, StreamAckDeadlineSeconds = 30, MaxOutstandingMessages = _settings.Prefetch, MaxOutstandingBytes = 100L << 20 }, stop.Token);
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                    var received = call.ResponseStream.Current.ReceivedMessages;
                    await _raw.AcknowledgeAsync(subscription, received.Select(m => m.AckId), stop.Token);
                    for (var i = 0; i < received.Count; i++)
                    {
                        countdown.Signal();
                    }
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Done.
            }
        });
        var sample = await countdown.WaitAsync(CaseTimeout, "raw Pub/Sub consumer");
        await stop.CancelAsync();
        await reading;
        await _raw.DeleteSubscriptionAsync(subscription, default);
        return sample;
    }

    private async Task<Sample> OmnibusConsumeAsync(int messages)
    {
        var (topic, subscription) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var sub = await _omnibus.SubscribeAsync(new SubscriptionOptions(topic, "bench") { Concurrency = _settings.Concurrency }, (_, _) =>
        {
            countdown.Signal();
            return default;
        });
        Sample sample;
        await using (sub)
        {
            sample = await countdown.WaitAsync(CaseTimeout, "Omnibus Pub/Sub subscription");
        }

        await _raw.DeleteSubscriptionAsync(subscription, default);
        return sample;
    }
}
