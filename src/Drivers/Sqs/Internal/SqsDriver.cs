using System.Collections.Concurrent;
using System.Net;
using Amazon.Runtime;
using Amazon.SQS;
using Microsoft.Extensions.Logging;

namespace Omnibus.Drivers.Sqs.Internal;

/// <summary>
/// The <c>sqs://</c> driver: one SDK client (HTTP, no connection to lose), queue URLs cached per topic
/// (<see cref="ResolveQueueAsync"/>), each member of a group a <see cref="SqsConsumer"/> long-polling the topic's
/// queue. A failed receive ends the member with <see cref="ConnectionLostException"/> and the core reopens it after
/// its reconnect delay, so nothing spins while the endpoint is away. Split by feature: queues, publishing and admin
/// are partial files.
/// </summary>
internal sealed partial class SqsDriver : IBrokerDriver
{
    private readonly SqsSettings _settings;
    private readonly ILogger _log;
    private readonly AmazonSQSClient _client;
    private readonly ConcurrentDictionary<SqsConsumer, byte> _consumers = new();
    private int _disposed;

    public SqsDriver(SqsSettings settings, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _log = loggerFactory.CreateLogger<SqsDriver>();
        _client = settings.CreateClient();
        Features = new BrokerFeatures
        {
            // One group per queue: a second group on a topic is refused (no fan-out), see ClaimGroupAsync.
            ConsumerGroups = false,
            // A standard queue has no order; a FIFO queue keeps it per MessageGroupId, but the flag is for every topic.
            KeyOrdering = false,
            // SQS stores messages redundantly, but nothing here can prove it: the emulator the tests run keeps them in memory.
            Persistent = false,
            // DelaySeconds, up to 900 s, on standard queues (a FIFO topic refuses DeliverAfter at publish).
            DelayedDelivery = true,
            // Carried as an attribute; the core drops an expired delivery (Delivery.ExpiresAt).
            TimeToLive = true,
            NativeDeadLetter = false,
            // Only FIFO queues deduplicate (MessageDeduplicationId); on standard ones the core carries the id.
            ExactlyOnce = false,
            BatchPublish = true,
            // A queue delivers what it holds to its one group; a second group (from Earliest or Latest) cannot exist.
            Replay = false,
        };
    }

    public string Scheme => SqsSettings.Scheme;

    public BrokerFeatures Features { get; }

    internal SqsSettings Settings => _settings;

    internal AmazonSQSClient Client => _client;

    internal ILogger Logger => _log;

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfDisposed();
        if (spec.StartFrom == StartPosition.Latest)
        {
            throw new OmnibusConfigurationException(nameof(SubscriptionOptions.StartFrom), $"StartFrom = Latest is not possible on the sqs:// driver (topic '{spec.Topic}'): a queue hands its group every message it holds, including those sent before the group subscribed. Allowed is Earliest or Default.");
        }

        var queue = Names.Queue(spec.Topic);
        string url;
        try
        {
            url = await ResolveQueueAsync(spec.Topic, create: true, cancellationToken, fresh: true).ConfigureAwait(false)
                ?? throw new OmnibusConfigurationException("createQueues", $"Topic '{spec.Topic}' has no SQS queue '{queue}' at {_settings.Target}, and createQueues=false forbids creating one: allowed is a topic whose queue exists, or createQueues=true.");
            await ClaimGroupAsync(spec.Topic, url, spec.Group, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw new ConnectionLostException(Scheme, $"Opening group '{spec.Group}' of topic '{spec.Topic}' on SQS at {_settings.Target} failed: {e.Message}", e);
        }

        var member = new SqsConsumer(this, spec, url, queue, _settings.Prefetch ?? spec.Prefetch, c => _consumers.TryRemove(c, out _));
        _consumers.TryAdd(member, 0);
        Log.ConsumerOpened(_log, queue, spec.Group, _settings.Target);
        member.Start();
        return member;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var member in _consumers.Keys)
        {
            await member.AbortAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }

    /// <summary>Whether <paramref name="e"/> means the endpoint could not be reached or did not answer (retried by the core), not a refusal.</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        AmazonServiceException service => service.StatusCode >= HttpStatusCode.InternalServerError || service.StatusCode == 0 || service.InnerException is HttpRequestException or IOException,
        AmazonClientException or HttpRequestException or IOException or TimeoutException => true,
        TaskCanceledException canceled => canceled.InnerException is TimeoutException,
        _ => false,
    };

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException("sqs:// driver");
        }
    }
}
