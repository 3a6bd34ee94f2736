using System.Collections.Concurrent;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>A stream that stores a topic's subject; dedicated when that subject is its only one.</summary>
internal sealed record ResolvedStream(string Name, bool Dedicated);

/// <summary>Streams and consumers: how a topic finds its stream, and a group its durable consumer.</summary>
internal sealed partial class NatsDriver
{
    // JetStream API error codes (nats-server's errors.json).
    private const int ErrStreamNameInUse = 10058;
    private const int ErrConsumerExists = 10148;

    private readonly ConcurrentDictionary<string, ResolvedStream> _streams = new(StringComparer.Ordinal);

    /// <summary>
    /// The stream that stores <paramref name="topic"/>: the one whose subjects cover the topic's subject (an operator's
    /// own, with whatever limits they gave it), else a new one (<c>streamPrefix</c> + topic, limits retention, so every
    /// group gets every message and new groups can replay) when <c>createStreams</c> allows; null otherwise.
    /// </summary>
    internal async ValueTask<ResolvedStream?> ResolveStreamAsync(string topic, CancellationToken cancellationToken, bool create = true)
    {
        if (_streams.TryGetValue(topic, out var known))
        {
            return known;
        }

        var found = await FindStreamAsync(topic, cancellationToken).ConfigureAwait(false);
        if (found is null && create && _settings.CreateStreams)
        {
            found = await CreateStreamAsync(topic, cancellationToken).ConfigureAwait(false);
        }

        if (found is not null)
        {
            _streams[topic] = found;
        }

        return found;
    }

    /// <summary>Forgets where <paramref name="topic"/> is stored (its stream went away).</summary>
    internal void ForgetStream(string topic) => _streams.TryRemove(topic, out _);

    private async ValueTask<ResolvedStream?> FindStreamAsync(string topic, CancellationToken cancellationToken)
    {
        var subject = Names.Subject(topic);
        await foreach (var name in _js.ListStreamNamesAsync(subject, cancellationToken).ConfigureAwait(false))
        {
            var stream = await _js.GetStreamAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            var subjects = stream.Info.Config.Subjects ?? [];
            Log.StreamFound(_log, topic, name);
            return new ResolvedStream(name, subjects.Count == 1 && subjects.First() == subject);
        }

        return null;
    }

    private async ValueTask<ResolvedStream?> CreateStreamAsync(string topic, CancellationToken cancellationToken)
    {
        var name = Names.Stream(_settings.StreamPrefix, topic);
        var config = new StreamConfig(name, [Names.Subject(topic)])
        {
            Description = $"Omnibus topic {topic}",
            Retention = StreamConfigRetention.Limits,
            Discard = StreamConfigDiscard.Old,
            Storage = _settings.Storage == StreamStorage.Memory ? StreamConfigStorage.Memory : StreamConfigStorage.File,
            NumReplicas = _settings.Replicas,
            MaxAge = _settings.MaxAge ?? TimeSpan.Zero,
            DuplicateWindow = _settings.DuplicateWindow,
        };
        try
        {
            await _js.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
            Log.StreamCreated(_log, name, topic, config.Storage.ToString(), _settings.Replicas);
            return new ResolvedStream(name, Dedicated: true);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == ErrStreamNameInUse)
        {
            // Created at the same moment by another client (then it covers the subject now), or a foreign stream of that name.
            return await FindStreamAsync(topic, cancellationToken).ConfigureAwait(false)
                ?? throw new OmnibusConfigurationException("streamPrefix", $"Stream '{name}' for topic '{topic}' exists on the NATS server with other subjects: allowed is a streamPrefix whose names no other stream uses.", e);
        }
    }

    /// <summary>
    /// The durable pull consumer of the spec's group: the existing one (its start position, ack wait and limits as they
    /// are), else a new one starting at <see cref="ConsumerSpec.StartFrom"/>. Every member of the group shares it.
    /// </summary>
    private async ValueTask<INatsJSConsumer> EnsureConsumerAsync(ResolvedStream stream, ConsumerSpec spec, CancellationToken cancellationToken)
    {
        var name = Names.Consumer(spec.Group, spec.Topic, stream.Dedicated);
        var subject = Names.Subject(spec.Topic);
        try
        {
            var existing = await _js.GetConsumerAsync(stream.Name, name, cancellationToken).ConfigureAwait(false);
            CheckUsable(existing.Info.Config, name, subject, spec);
            return existing;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404 && e.Error.ErrCode != 10059)
        {
            // No such consumer yet: create it below.
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == 10059)
        {
            ForgetStream(spec.Topic);
            throw new ConnectionLostException(Scheme, $"Stream '{stream.Name}' of topic '{spec.Topic}' is gone; it is looked up again.", e);
        }

        var config = new ConsumerConfig(name)
        {
            DurableName = name,
            Description = Names.GroupDescription(spec.Group),
            FilterSubject = subject,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            DeliverPolicy = spec.StartFrom == StartPosition.Earliest ? ConsumerConfigDeliverPolicy.All : ConsumerConfigDeliverPolicy.New,
            AckWait = _settings.AckWait,
            // The core counts attempts and dead-letters; the server must never stop redelivering on its own.
            MaxDeliver = -1,
            MaxAckPending = _settings.MaxAckPending,
            ReplayPolicy = ConsumerConfigReplayPolicy.Instant,
        };
        try
        {
            var created = await _js.CreateConsumerAsync(stream.Name, config, cancellationToken).ConfigureAwait(false);
            Log.ConsumerCreated(_log, name, stream.Name, spec.Group, config.DeliverPolicy.ToString());
            return created;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == ErrConsumerExists || e.Error.Code == 400)
        {
            // Another member created it first (perhaps with another start position): join that one.
            try
            {
                var existing = await _js.GetConsumerAsync(stream.Name, name, cancellationToken).ConfigureAwait(false);
                CheckUsable(existing.Info.Config, name, subject, spec);
                return existing;
            }
            catch (NatsJSApiException)
            {
                throw new OmnibusConfigurationException("Group", $"The NATS server refused consumer '{name}' of group '{spec.Group}' on stream '{stream.Name}': {e.Error.Description} (code {e.Error.ErrCode}).", e);
            }
        }
    }

    /// <summary>An existing consumer of that name must be one the driver can pull from for this topic.</summary>
    private static void CheckUsable(ConsumerConfig config, string name, string subject, ConsumerSpec spec)
    {
        if (!string.IsNullOrEmpty(config.DeliverSubject))
        {
            throw new OmnibusConfigurationException("Group", $"Group '{spec.Group}' maps to consumer '{name}', which exists as a push consumer (deliver subject '{config.DeliverSubject}'): allowed is a pull consumer; pick another group name.");
        }

        if (config.AckPolicy != ConsumerConfigAckPolicy.Explicit)
        {
            throw new OmnibusConfigurationException("Group", $"Group '{spec.Group}' maps to consumer '{name}', whose ack policy is {config.AckPolicy}: allowed is Explicit; pick another group name.");
        }

        if (!string.IsNullOrEmpty(config.FilterSubject) && config.FilterSubject != subject)
        {
            throw new OmnibusConfigurationException("Group", $"Group '{spec.Group}' maps to consumer '{name}', which filters subject '{config.FilterSubject}', not '{subject}' of topic '{spec.Topic}': pick another group name.");
        }
    }

    /// <summary>True for the errors of a server that is down or restarting, which a later try can mend.</summary>
    private static bool IsTransient(Exception e) =>
        e is NatsException and not NatsJSApiException || e is TimeoutException || e is NatsJSApiException { Error.Code: 503 };
}
