using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Omnibus.Drivers.Sqs;

namespace Omnibus.Bench.Drivers;

/// <summary>
/// sqs:// against AWSSDK.SQS on the fauxqs emulator (HTTP, in memory). Both sides: a fresh standard queue per case
/// and run, <see cref="Window"/> SendMessage calls in flight, 100-byte text bodies; consuming, one receive loop of
/// 10-message long polls, each message deleted (raw: one DeleteMessageBatch per receive, not awaited before the next
/// receive; Omnibus: its batched deletes, an ack per handled message).
/// </summary>
internal sealed class SqsBench : IAsyncDisposable
{
    private const string Group = "bench";
    private const int Window = 64;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);

    private readonly BenchSettings _settings;
    private readonly FauxqsNode _node;
    private readonly string _body = new('x', 100);
    private readonly byte[] _bytes;
    private AmazonSQSClient _raw = null!;
    private Broker _omnibus = null!;
    private int _topics;

    private SqsBench(BenchSettings settings, FauxqsNode node)
    {
        _settings = settings;
        _node = node;
        _bytes = Encoding.UTF8.GetBytes(_body);
    }

    private string OmnibusConnectionString => $"sqs://us-east-1?endpoint={_node.Endpoint}&accessKeyId=bench&secretAccessKey=bench&waitTime=1s&prefetch=100";

    public static Task<SqsBench> StartAsync(BenchSettings settings, FauxqsNode node)
    {
        _ = typeof(SqsDriverFactory); // loads the driver assembly so the registry finds sqs://
        var bench = new SqsBench(settings, node)
        {
            _raw = new AmazonSQSClient(new BasicAWSCredentials("bench", "bench"), new AmazonSQSConfig { ServiceURL = node.Endpoint, AuthenticationRegion = "us-east-1" }),
        };
        bench._omnibus = Broker.Connect(bench.OmnibusConnectionString);
        return Task.FromResult(bench);
    }

    public string Describe() =>
        $"SQS: the fauxqs 1.9.2 emulator on Node 20 (in memory: no durability) on {_node.Endpoint}. Omnibus: `{OmnibusConnectionString}`, Concurrency = {_settings.Concurrency}. " +
        $"Raw: AWSSDK.SQS {typeof(AmazonSQSClient).Assembly.GetName().Version}, SendMessage with {Window} in flight; a loop of ReceiveMessage (10, WaitTimeSeconds 1) and one DeleteMessageBatch per receive. " +
        "A publish counts once SQS answered; a message once deleted (both sides check the queue is empty).";

    public Task<List<CaseResult>> RunAsync()
    {
        var messages = _settings.SqsMessages;
        var publish = new CaseResult("SQS", "publish", Invariant($"{messages:#,0} msgs, {Window} SendMessage calls in flight"), [], []);
        var consume = new CaseResult("SQS", "consume", Invariant($"{messages:#,0}-msg backlog, 1 receive loop of 10, every message deleted"), [], []);
        return CaseRounds.RunAsync(_settings, messages, "sqs", (publish, RawPublishAsync, OmnibusPublishAsync), (consume, RawConsumeAsync, OmnibusConsumeAsync));
    }

    public async ValueTask DisposeAsync()
    {
        await _omnibus.DisposeAsync();
        _raw.Dispose();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private async Task<(string Topic, string Url)> CreateAsync(string purpose)
    {
        var topic = Invariant($"{purpose}-{Interlocked.Increment(ref _topics)}");
        return (topic, (await _raw.CreateQueueAsync(topic)).QueueUrl);
    }

    private async Task CheckAndDeleteAsync(string url, long expected)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        long held;
        while ((held = await HeldAsync(url)) != expected && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50); // the last deletes are on their way: poll the queue's count until it is right
        }

        if (held != expected)
        {
            throw new InvalidOperationException($"Queue {url} holds {held} messages; expected {expected}.");
        }

        await _raw.DeleteQueueAsync(url);
    }

    private async Task<long> HeldAsync(string url)
    {
        var attributes = await _raw.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return (long)attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    private async Task<Sample> RawPublishAsync(int messages)
    {
        var (_, url) = await CreateAsync("raw-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, Window, async _ => await _raw.SendMessageAsync(url, _body));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(url, messages);
        return sample;
    }

    private async Task<Sample> OmnibusPublishAsync(int messages)
    {
        var (topic, url) = await CreateAsync("omnibus-publish");
        var meter = Meter.StartNew();
        await Pipeline.RunAsync(messages, Window, _ => _omnibus.PublishAsync(topic, new Message(_bytes)));
        var sample = meter.Stop(messages);
        await CheckAndDeleteAsync(url, messages);
        return sample;
    }

    /// <summary>A backlog published through Omnibus, so both consumers read what Omnibus writes.</summary>
    private async Task<(string Topic, string Url)> PreloadAsync(int messages)
    {
        var (topic, url) = await CreateAsync("backlog");
        await Pipeline.RunAsync(messages, Window, _ => _omnibus.PublishAsync(topic, new Message(_bytes)));
        return (topic, url);
    }

    private async Task<Sample> RawConsumeAsync(int messages)
    {
        var (_, url) = await PreloadAsync(messages);
        var countdown = new Countdown(messages);
        var deletes = new List<Task>();
        var received = 0;
        while (received < messages)
        {
            var response = await _raw.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = url, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageAttributeNames = ["All"] });
            if (response.Messages is not { Count: > 0 } batch)
            {
                continue;
            }

            countdown.Meter.Start(); // the clock starts at the first message, as on the Omnibus side
            received += batch.Count;
            deletes.Add(DeleteAndCountAsync(url, batch, countdown));
        }

        var sample = await countdown.WaitAsync(CaseTimeout, "raw SQS consumer");
        await Task.WhenAll(deletes);
        await CheckAndDeleteAsync(url, 0);
        return sample;
    }

    private async Task DeleteAndCountAsync(string url, List<Amazon.SQS.Model.Message> batch, Countdown countdown)
    {
        var entries = batch.Select((m, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), m.ReceiptHandle)).ToList();
        var response = await _raw.DeleteMessageBatchAsync(url, entries);
        if (response.Failed is { Count: > 0 } failed)
        {
            throw new InvalidOperationException($"{failed.Count} deletes failed: {failed[0].Message}");
        }

        foreach (var _ in batch)
        {
            countdown.Signal();
        }
    }

    private async Task<Sample> OmnibusConsumeAsync(int messages)
    {
        var (topic, url) = await PreloadAsync(messages);
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
            sample = await countdown.WaitAsync(CaseTimeout, "Omnibus SQS subscription");
        }

        await CheckAndDeleteAsync(url, 0);
        return sample;
    }
}
