using System.Collections.Concurrent;
using Grpc.Core;
using Omnibus.Drivers.PubSub.Internal.Wire;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// Publishing: each topic has <see cref="PubSubSettings.PublishLanes"/> <see cref="PublishLane"/>s; a message with a key
/// always takes its key's lane (so one key stays in order), one without takes the next lane, a batch's keyless entries
/// all one lane (so they share requests). A publish completes when the service returned its message id.
/// </summary>
internal sealed partial class PubSubDriver
{
    private readonly ConcurrentDictionary<string, PublishLane[]> _lanes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _publishable = new(StringComparer.Ordinal);
    private int _nextLane;

    public async ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var lanes = await LanesAsync(topic, cancellationToken).ConfigureAwait(false);
        var lane = message.Key is { } key ? lanes[LaneOf(key, lanes.Length)] : lanes[NextLane(lanes.Length)];
        await ConfirmAsync(topic, message, lane.PublishAsync(MessageMapping.ToWire(message), cancellationToken)).ConfigureAwait(false);
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var errors = new Exception?[messages.Count];
        if (messages.Count == 0)
        {
            return new PublishBatchResult(errors);
        }

        PublishLane[] lanes;
        try
        {
            lanes = await LanesAsync(topic, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException e)
        {
            Array.Fill(errors, e);
            return new PublishBatchResult(errors);
        }

        var keyless = lanes[NextLane(lanes.Length)];
        var pending = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var lane = message.Key is { } key ? lanes[LaneOf(key, lanes.Length)] : keyless;
            pending[i] = ConfirmAsync(topic, message, lane.PublishAsync(MessageMapping.ToWire(message), cancellationToken));
        }

        for (var i = 0; i < pending.Length; i++)
        {
            try
            {
                await pending[i].ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        }

        return new PublishBatchResult(errors);
    }

    private async Task ConfirmAsync(string topic, Message message, Task<string> published)
    {
        try
        {
            await published.ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by Pub/Sub at {_settings.Address}: {e.StatusCode}: {e.Status.Detail}", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by Pub/Sub at {_settings.Address}: {e.Message}", e);
        }
    }

    /// <summary>The topic's lanes, once the topic is known to exist (created when allowed).</summary>
    private async ValueTask<PublishLane[]> LanesAsync(string topic, CancellationToken cancellationToken)
    {
        if (_lanes.TryGetValue(topic, out var known))
        {
            return known;
        }

        if (Names.WhyNotAnId(topic) is { } why)
        {
            throw new PublishException(topic, Scheme, $"Topic '{topic}' cannot be a Pub/Sub topic id: it {why}. Allowed: 3 to 255 characters starting with a letter, not starting with 'goog'.");
        }

        var path = _api.TopicPath(topic);
        if (!_publishable.ContainsKey(path))
        {
            bool exists;
            try
            {
                exists = await EnsureTopicAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw new PublishException(topic, Scheme, $"Finding topic '{topic}' on Pub/Sub at {_settings.Address} failed: {e.StatusCode}: {e.Status.Detail}", e);
            }

            if (!exists)
            {
                throw new PublishException(topic, Scheme, $"Topic '{topic}' does not exist in project '{_settings.Project}', and createTopics=false forbids creating it.");
            }

            _publishable.TryAdd(path, 0);
        }

        return _lanes.GetOrAdd(topic, _ => Enumerable.Range(0, _settings.PublishLanes)
            .Select(_ => new PublishLane(_settings, batch => SendAsync(path, batch)))
            .ToArray());
    }

    /// <summary>One Publish request; a topic found gone is re-created (with this process's subscriptions) and the request sent again.</summary>
    private async Task<IReadOnlyList<string>> SendAsync(string topicPath, IReadOnlyList<PubsubMessage> batch)
    {
        try
        {
            return await _api.PublishAsync(topicPath, batch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && _settings.CreateTopics)
        {
            await RecreateTopicAsync(topicPath, CancellationToken.None).ConfigureAwait(false);
            return await _api.PublishAsync(topicPath, batch, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private int NextLane(int count) => (int)((uint)Interlocked.Increment(ref _nextLane) % (uint)count);

    private static int LaneOf(string key, int count) => (int)(Names.Hash(key) % (uint)count);

    private async Task DisposeLanesAsync()
    {
        foreach (var lanes in _lanes.Values)
        {
            foreach (var lane in lanes)
            {
                await lane.CompleteAsync().ConfigureAwait(false);
            }
        }
    }
}
