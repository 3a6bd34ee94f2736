using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// The <c>pubsub://</c> driver: one gRPC channel (<see cref="PubSubApi"/>), topics and subscriptions found or created
/// on demand (<see cref="EnsureTopicAsync"/>, <see cref="EnsureSubscriptionAsync"/>), each member a
/// <see cref="PubSubConsumer"/>. The subscriptions this process created are remembered, so a topic found gone on
/// publish (an emulator keeps everything in memory and forgets it on restart) is re-created together with them before
/// the publish is retried. Split by feature: publishing and admin are partial files.
/// </summary>
internal sealed partial class PubSubDriver : IBrokerDriver
{
    private readonly PubSubSettings _settings;
    private readonly ILogger _log;
    private readonly PubSubApi _api;
    private readonly LocalAttempts _localAttempts = new();
    private readonly ConcurrentDictionary<PubSubConsumer, byte> _consumers = new();

    /// <summary>Subscriptions this process created, per topic path: re-created when the topic is.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Subscription>> _created = new(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>The group dead letters are replayed as (the CLI's and the HTTP API's replay).</summary>
    private static readonly string ReplayGroup = new Omnibus.Middleware.DeadLetterReplayOptions().Group;

    public PubSubDriver(PubSubSettings settings, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _log = loggerFactory.CreateLogger<PubSubDriver>();
        _api = new PubSubApi(settings);
        Features = new BrokerFeatures
        {
            ConsumerGroups = true,
            // A subscription with message ordering hands one ordering key to one stream at a time, in order.
            KeyOrdering = true,
            // The service stores messages durably; the emulator keeps them in memory only.
            Persistent = settings.Emulator is null,
            DelayedDelivery = false,
            TimeToLive = false,
            // The subscriptions the driver creates carry a dead-letter policy, but only so that Pub/Sub counts attempts:
            // the core dead-letters first, with its error headers.
            NativeDeadLetter = false,
            // Pub/Sub does not drop a republished message: IdempotencyId is carried for the idempotent-consumer middleware.
            ExactlyOnce = false,
            BatchPublish = true,
            // A new subscription holds only what is published after it was created.
            Replay = false,
        };
    }

    public string Scheme => PubSubSettings.Scheme;

    public BrokerFeatures Features { get; }

    /// <summary>A new subscription cannot hold what was published before it existed.</summary>
    public StartPosition DefaultStartFrom => StartPosition.Latest;

    internal PubSubSettings Settings => _settings;

    /// <summary>The generated client's seam (tests and the benchmark reach the service through it).</summary>
    internal PubSubApi Api => _api;

    public async ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowIfDisposed();
        RequireId(spec.Topic, "Topic");
        RequireId(spec.Options.EffectiveDeadLetterTopic, nameof(SubscriptionOptions.DeadLetterTopic));
        if (spec.MaxDeliveryAttempts >= _settings.DeadLetterAttempts)
        {
            throw new OmnibusConfigurationException(nameof(SubscriptionOptions.MaxDeliveryAttempts), $"MaxDeliveryAttempts = {spec.MaxDeliveryAttempts} of the subscription to '{spec.Topic}' is not below deadLetterAttempts = {_settings.DeadLetterAttempts} of the pubsub:// driver, after which Pub/Sub itself moves a message to the dead-letter topic (without the core's error headers): allowed is up to {_settings.DeadLetterAttempts - 1}.");
        }

        Subscription subscription;
        try
        {
            var topic = _api.TopicPath(spec.Topic);
            if (!await EnsureTopicAsync(topic, cancellationToken).ConfigureAwait(false))
            {
                throw new OmnibusConfigurationException("createTopics", $"Topic '{spec.Topic}' does not exist in project '{_settings.Project}', and createTopics=false forbids creating it: allowed is an existing topic, or createTopics=true.");
            }

            subscription = await EnsureSubscriptionAsync(spec, topic, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PubSubApi.IsTransient(e))
        {
            Log.Unreachable(_log, _settings.Address, e.Message);
            throw new ConnectionLostException(Scheme, $"Opening group '{spec.Group}' of topic '{spec.Topic}' on Pub/Sub at {_settings.Address} failed: {e.Message}", e);
        }
        catch (RpcException e)
        {
            throw new OmnibusConfigurationException("Topic", $"Pub/Sub refused topic '{spec.Topic}' or group '{spec.Group}' in project '{_settings.Project}': {e.StatusCode}: {e.Status.Detail}", e);
        }

        var member = new PubSubConsumer(_api, _settings, subscription.Name, spec, subscription.DeadLetterPolicy is null ? _localAttempts : null, _log, c => _consumers.TryRemove(c, out _));
        _consumers.TryAdd(member, 0);
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

        await DisposeLanesAsync().ConfigureAwait(false);
        await _api.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Makes sure the topic exists (creating it when allowed); false when it does not and may not be created.</summary>
    private async Task<bool> EnsureTopicAsync(string topic, CancellationToken cancellationToken)
    {
        if (await _api.GetTopicAsync(topic, cancellationToken).ConfigureAwait(false) is not null)
        {
            return true;
        }

        if (!_settings.CreateTopics)
        {
            return false;
        }

        await _api.CreateTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        Log.TopicCreated(_log, topic);
        return true;
    }

    /// <summary>
    /// The group's subscription: one named as the group on this topic (an operator's), else the driver's
    /// <c>&lt;topic&gt;~&lt;group&gt;</c>, created when missing with the deadline, ordering and dead-letter policy it needs.
    /// </summary>
    private async Task<Subscription> EnsureSubscriptionAsync(ConsumerSpec spec, string topic, CancellationToken cancellationToken)
    {
        var byKey = spec.Ordering == MessageOrdering.ByKey;
        Subscription? found = null;
        if (Names.WhyNotAnId(spec.Group) is null
            && await _api.GetSubscriptionAsync(_api.SubscriptionPath(spec.Group), cancellationToken).ConfigureAwait(false) is { } named
            && named.Topic == topic)
        {
            found = named;
        }

        found ??= await _api.GetSubscriptionAsync(_api.SubscriptionPath(Names.SubscriptionId(spec.Topic, spec.Group)), cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            if (spec.StartFrom == StartPosition.Earliest)
            {
                throw new OmnibusConfigurationException(nameof(spec.StartFrom), $"StartFrom = Earliest cannot be honoured by the pubsub:// driver for group '{spec.Group}' of topic '{spec.Topic}', which has no subscription yet: a Pub/Sub subscription holds only what is published after it was created. Allowed: Latest or Default (Latest on pubsub://); a group that exists continues where it is.");
            }

            var deadLetter = await EnsureDeadLetterTopicAsync(spec.Options.EffectiveDeadLetterTopic, cancellationToken).ConfigureAwait(false);
            var definition = new Subscription
            {
                Name = _api.SubscriptionPath(Names.SubscriptionId(spec.Topic, spec.Group)),
                Topic = topic,
                AckDeadlineSeconds = _settings.AckDeadlineSeconds,
                EnableMessageOrdering = byKey,
                DeadLetterPolicy = new DeadLetterPolicy { DeadLetterTopic = deadLetter, MaxDeliveryAttempts = _settings.DeadLetterAttempts },
            };
            found = await _api.CreateSubscriptionAsync(definition, cancellationToken).ConfigureAwait(false);
            Log.SubscriptionCreated(_log, found.Name, topic, spec.Group, found.EnableMessageOrdering, found.AckDeadlineSeconds);
        }

        if (found.Topic != topic)
        {
            throw new OmnibusConfigurationException("Group", $"Subscription '{found.Name}' of group '{spec.Group}' reads topic '{found.Topic}', not '{topic}': allowed is a group whose subscription reads the subscribed topic.");
        }

        if (byKey && !found.EnableMessageOrdering)
        {
            throw new OmnibusConfigurationException(nameof(SubscriptionOptions.Ordering), $"Ordering = ByKey cannot be honoured by the pubsub:// driver for group '{spec.Group}' of topic '{spec.Topic}': its subscription '{found.Name}' exists without message ordering (which Pub/Sub cannot turn on later). Allowed: a subscription with enable_message_ordering, a new group, or Ordering = None.");
        }

        if (found.Detached)
        {
            throw new OmnibusConfigurationException("Group", $"Subscription '{found.Name}' of group '{spec.Group}' is detached from its topic: allowed is an attached subscription.");
        }

        Remember(found);
        return found;
    }

    /// <summary>
    /// The dead-letter topic of a group, with a subscription for the replay group (<c>omnibus-replay</c>) on it: Pub/Sub
    /// keeps a message only for the subscriptions that exist when it is published, and a dead letter must be kept
    /// although nobody consumes the dead-letter topic yet.
    /// </summary>
    private async Task<string> EnsureDeadLetterTopicAsync(string deadLetterTopic, CancellationToken cancellationToken)
    {
        var path = _api.TopicPath(deadLetterTopic);
        await EnsureTopicAsync(path, cancellationToken).ConfigureAwait(false);
        var replay = new Subscription
        {
            Name = _api.SubscriptionPath(Names.SubscriptionId(deadLetterTopic, ReplayGroup)),
            Topic = path,
            AckDeadlineSeconds = _settings.AckDeadlineSeconds,
        };
        if (await _api.GetSubscriptionAsync(replay.Name, cancellationToken).ConfigureAwait(false) is null)
        {
            replay = await _api.CreateSubscriptionAsync(replay, cancellationToken).ConfigureAwait(false);
            Log.SubscriptionCreated(_log, replay.Name, path, ReplayGroup, false, replay.AckDeadlineSeconds);
        }

        Remember(replay);
        return path;
    }

    private void Remember(Subscription subscription) =>
        _created.GetOrAdd(subscription.Topic, _ => new ConcurrentDictionary<string, Subscription>(StringComparer.Ordinal))[subscription.Name] = subscription;

    /// <summary>Creates a topic found gone, with the subscriptions this process knows on it (and their dead-letter topics).</summary>
    private async Task RecreateTopicAsync(string topic, CancellationToken cancellationToken)
    {
        await _api.CreateTopicAsync(topic, cancellationToken).ConfigureAwait(false);
        var count = 0;
        if (_created.TryGetValue(topic, out var subscriptions))
        {
            foreach (var subscription in subscriptions.Values)
            {
                if (subscription.DeadLetterPolicy is { } policy)
                {
                    await _api.CreateTopicAsync(policy.DeadLetterTopic, cancellationToken).ConfigureAwait(false);
                }

                await _api.CreateSubscriptionAsync(subscription, cancellationToken).ConfigureAwait(false);
                count++;
            }
        }

        Log.TopicRecreated(_log, topic, count);
    }

    /// <summary>Rejects a name Pub/Sub cannot take as an id.</summary>
    private static void RequireId(string topic, string setting)
    {
        if (Names.WhyNotAnId(topic) is { } why)
        {
            throw new OmnibusConfigurationException(setting, $"{setting} = '{topic}' cannot be a Pub/Sub topic id on the pubsub:// driver: it {why}. Allowed: 3 to 255 characters starting with a letter, not starting with 'goog'.");
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new BrokerClosedException("pubsub:// driver");
        }
    }
}
