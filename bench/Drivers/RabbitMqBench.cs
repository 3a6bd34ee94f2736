using System.Globalization;
using Omnibus.Drivers.RabbitMQ;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// amqp:// against RabbitMQ.Client on a real rabbitmq-server. Both sides: a durable topic exchange per case and
/// run, one durable queue bound to it with '#' (named as the driver names a group's queue), persistent messages,
/// publisher confirms with tracking on one channel (no limit on outstanding confirms: CreateChannelOptions' constructor
/// leaves the client's rate limiter off), and
/// consumers with manual acks and the same prefetch. 100-byte bodies.
/// </summary>
internal sealed class RabbitMqBench : IAsyncDisposable
{
    private const string Group = "bench";
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);

    private readonly BenchSettings _settings;
    private readonly RabbitMqNode _node;
    private readonly byte[] _body;
    private readonly BasicProperties _persistent = new() { DeliveryMode = DeliveryModes.Persistent };
    private IConnection _raw = null!;
    private IChannel _admin = null!;
    private IChannel _rawPublish = null!;
    private Broker _omnibus = null!;
    private int _topics;

    private RabbitMqBench(BenchSettings settings, RabbitMqNode node, byte[] body)
    {
        _settings = settings;
        _node = node;
        _body = body;
    }

    private string OmnibusConnectionString => Invariant($"amqp://guest:guest@127.0.0.1:{_node.Port}/?prefetch={_settings.Prefetch}");

    public static async Task<RabbitMqBench> StartAsync(BenchSettings settings, RabbitMqNode node, byte[] body)
    {
        _ = typeof(RabbitMqDriverFactory); // loads the driver assembly so the registry finds amqp://
        var bench = new RabbitMqBench(settings, node, body);
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = node.Port, UserName = "guest", Password = "guest", ClientProvidedName = "raw" };
        bench._raw = await factory.CreateConnectionAsync();
        bench._admin = await bench._raw.CreateChannelAsync();
        bench._rawPublish = await bench._raw.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        bench._omnibus = Broker.Connect(bench.OmnibusConnectionString);
        return bench;
    }

    public string Describe() =>
        $"RabbitMQ: Debian's rabbitmq-server ({ServerVersion()}), plugin-less node on 127.0.0.1:{_node.Port}, classic queues. " +
        $"Omnibus: `{OmnibusConnectionString}`; subscription Concurrency = {_settings.Concurrency}, prefetch {_settings.Prefetch}. " +
        $"Raw: RabbitMQ.Client {ClientVersion()}, one connection, a confirm channel with tracking for publishing, AsyncEventingBasicConsumer (consumer dispatch concurrency {_settings.Concurrency}) with BasicQos prefetch {_settings.Prefetch} and an awaited BasicAckAsync per message. " +
        "Durability on both sides: durable exchange and queue, persistent messages (delivery mode 2), a publish counts once confirmed.";

    public async Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.RabbitMqMessages;
        var publish = new CaseResult("RabbitMQ", "publish", Invariant($"{messages:#,0} msgs, {_settings.Window} in flight, persistent, confirmed"), [], []);
        var consume = new CaseResult("RabbitMQ", "consume", Invariant($"{messages:#,0}-msg durable backlog, 1 consumer, {_settings.Concurrency} handler(s) at a time, prefetch {_settings.Prefetch}, manual ack"), [], []);

        Console.WriteLine("rabbitmq: warm-up round (not measured)");
        var warmUp = Math.Max(1000, messages / 5);
        if (_settings.Publish)
        {
            await RawPublishAsync(warmUp);
            await OmnibusPublishAsync(warmUp);
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
                KafkaBench.Report(run, publish, "raw", await RawPublishAsync(messages), publish.Raw);
                KafkaBench.Report(run, publish, "Omnibus", await OmnibusPublishAsync(messages), publish.Omnibus);
            }

            if (_settings.Consume)
            {
                KafkaBench.Report(run, consume, "raw", await RawConsumeAsync(messages), consume.Raw);
                KafkaBench.Report(run, consume, "Omnibus", await OmnibusConsumeAsync(messages), consume.Omnibus);
            }
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
            await _raw.CloseAsync();
            await _raw.DisposeAsync();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private string ServerVersion() =>
        _raw.ServerProperties is { } p && p.TryGetValue("version", out var v) && v is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "version unknown";

    /// <summary>The client package's version (its informational version without the commit), so the text follows Directory.Packages.props.</summary>
    private static string ClientVersion() =>
        typeof(IConnection).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute { InformationalVersion: var version }, ..] ? version.Split('+')[0] : "version unknown";

    /// <summary>A fresh durable topic exchange with the group's durable queue bound to it by '#'; returns both names.</summary>
    private async Task<(string Exchange, string Queue)> DeclareAsync(string purpose)
    {
        var exchange = Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}");
        var queue = exchange + ":" + Group; // the driver's name for the group's queue
        await _admin.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await _admin.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await _admin.QueueBindAsync(queue, exchange, "#");
        return (exchange, queue);
    }

    /// <summary>Checks that the queue holds <paramref name="expected"/> messages, then deletes it and its exchange.</summary>
    private async Task CheckAndDeleteAsync(string exchange, string queue, uint expected)
    {
        var ok = await _admin.QueueDeclarePassiveAsync(queue);
        if (ok.MessageCount != expected)
        {
            throw new InvalidOperationException($"Queue {queue} holds {ok.MessageCount} messages; expected {expected}.");
        }

        await _admin.QueueDeleteAsync(queue);
        await _admin.ExchangeDeleteAsync(exchange);
    }

    private async Task<Sample> RawPublishAsync(int messages)
    {
        var (exchange, queue) = await DeclareAsync("raw-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, _ => _rawPublish.BasicPublishAsync(exchange, string.Empty, mandatory: false, _persistent, _body));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(exchange, queue, (uint)messages);
        return sample;
    }

    private async Task<Sample> OmnibusPublishAsync(int messages)
    {
        var (exchange, queue) = await DeclareAsync("omnibus-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(exchange, new Message(_body)));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(exchange, queue, (uint)messages);
        return sample;
    }

    /// <summary>A durable backlog published through Omnibus (so both consumers read what Omnibus writes), all confirmed.</summary>
    private async Task<(string Exchange, string Queue)> PreloadAsync(int messages)
    {
        var (exchange, queue) = await DeclareAsync("backlog");
        await Pipeline.RunAsync(messages, _settings.Window, _ => _omnibus.PublishAsync(exchange, new Message(_body)));
        var ok = await _admin.QueueDeclarePassiveAsync(queue);
        if (ok.MessageCount != messages)
        {
            throw new InvalidOperationException($"The backlog queue {queue} holds {ok.MessageCount} messages; expected {messages}.");
        }

        return (exchange, queue);
    }

    /// <summary>A consumer that acks each message (awaited) and counts it. The clock starts at the first delivery.</summary>
    private async Task<Sample> RawConsumeAsync(int messages)
    {
        var (exchange, queue) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var channel = await _raw.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: (ushort)_settings.Concurrency));
        await using (channel)
        {
            await channel.BasicQosAsync(0, (ushort)_settings.Prefetch, global: false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                countdown.Signal();
            };
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            var sample = await countdown.WaitAsync(CaseTimeout, "raw RabbitMQ consumer");
            await channel.CloseAsync();
            await CheckAndDeleteAsync(exchange, queue, 0);
            return sample;
        }
    }

    /// <summary>A subscription whose handler counts and succeeds, so the driver acks. The clock starts at the first message.</summary>
    private async Task<Sample> OmnibusConsumeAsync(int messages)
    {
        var (exchange, queue) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var subscription = await _omnibus.SubscribeAsync(
            new SubscriptionOptions(exchange, Group) { Concurrency = _settings.Concurrency },
            (message, cancellationToken) =>
            {
                countdown.Signal();
                return default;
            });
        Sample sample;
        await using (subscription)
        {
            sample = await countdown.WaitAsync(CaseTimeout, "Omnibus RabbitMQ subscription");
        }

        await CheckAndDeleteAsync(exchange, queue, 0);
        return sample;
    }
}
