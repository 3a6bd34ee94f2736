using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>
/// Admin and backlog from the server's stream and consumer info: a topic is a literal subject of a stream (a stream
/// with wildcards lists the subjects it holds messages of), a group a pull consumer; a group's lag is
/// <c>num_pending + num_ack_pending</c> (not yet delivered, plus delivered and unacknowledged, which includes messages
/// waiting out a Nak delay).
/// </summary>
internal sealed partial class NatsDriver : IBrokerAdmin, IBacklogSource
{
    public IBrokerAdmin Admin => this;

    public IBacklogSource Backlog => this;

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var topics = new List<TopicInfo>();
        await foreach (var stream in _js.ListStreamsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var subjects = stream.Info.Config.Subjects ?? [];
            var state = stream.Info.State;
            if (subjects.Count == 1 && IsLiteral(subjects.First()))
            {
                AddTopic(topics, subjects.First(), state.Messages, state.Bytes, (long)state.LastSeq);
                continue;
            }

            foreach (var (subject, count) in await SubjectCountsAsync(stream.Info.Config.Name!, cancellationToken).ConfigureAwait(false))
            {
                AddTopic(topics, subject, count, null, count);
            }
        }

        return [.. topics.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var groups = new List<GroupInfo>();
        var streams = new List<(string Name, ICollection<string> Subjects)>();
        if (topic is not null)
        {
            if (await ResolveStreamAsync(topic, cancellationToken, create: false).ConfigureAwait(false) is { } resolved)
            {
                var info = await _js.GetStreamAsync(resolved.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                streams.Add((resolved.Name, info.Info.Config.Subjects ?? []));
            }
        }
        else
        {
            await foreach (var stream in _js.ListStreamsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                streams.Add((stream.Info.Config.Name!, stream.Info.Config.Subjects ?? []));
            }
        }

        var deadLettered = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, subjects) in streams)
        {
            await foreach (var consumer in _js.ListConsumersAsync(name, cancellationToken).ConfigureAwait(false))
            {
                var config = consumer.Info.Config;
                var subject = !string.IsNullOrEmpty(config.FilterSubject) ? config.FilterSubject : subjects.Count == 1 ? subjects.First() : null;
                if (subject is null || !TopicName.IsValid(subject) || (topic is not null && subject != Names.Subject(topic)) || !string.IsNullOrEmpty(config.DeliverSubject))
                {
                    continue;
                }

                var group = Names.GroupOf(consumer.Info.Name, config.Description);
                if (!deadLettered.TryGetValue(subject, out var dead))
                {
                    dead = deadLettered[subject] = await CountAsync(subject + ".dlq", cancellationToken).ConfigureAwait(false);
                }

                groups.Add(new GroupInfo(subject, group, (long)consumer.Info.NumPending + consumer.Info.NumAckPending, consumer.Info.NumAckPending, dead, Members(subject, group)));
            }
        }

        return [.. groups.OrderBy(g => g.Topic, StringComparer.Ordinal).ThenBy(g => g.Group, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (max <= 0 || await ResolveStreamAsync(topic, cancellationToken, create: false).ConfigureAwait(false) is not { } stream)
        {
            return [];
        }

        // An ordered consumer is ephemeral and needs no acks: looking does not touch any group.
        var reader = await _js.CreateOrderedConsumerAsync(stream.Name, new NatsJSOrderedConsumerOpts { FilterSubjects = [Names.Subject(topic)] }, cancellationToken).ConfigureAwait(false);
        var messages = new List<Message>();
        await foreach (var msg in reader.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = max, Expires = _settings.RequestTimeout }, NatsRawSerializer<byte[]>.Default, cancellationToken).ConfigureAwait(false))
        {
            messages.Add(MessageMapping.FromDelivery(msg, topic));
        }

        return messages;
    }

    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (await ResolveStreamAsync(topic, cancellationToken, create: false).ConfigureAwait(false) is not { } stream)
            {
                return null;
            }

            var consumer = await _js.GetConsumerAsync(stream.Name, Names.Consumer(group, topic, stream.Dedicated), cancellationToken).ConfigureAwait(false);
            return (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
        catch (Exception e) when (e is NatsException or TimeoutException or ConnectionLostException)
        {
            Log.BacklogUnavailable(_log, topic, group, e.Message);
            return null;
        }
    }

    private static bool IsLiteral(string subject) => !subject.Contains('*', StringComparison.Ordinal) && !subject.Contains('>', StringComparison.Ordinal);

    private static void AddTopic(List<TopicInfo> topics, string subject, long messages, long? bytes, long published)
    {
        if (TopicName.IsValid(subject))
        {
            topics.Add(new TopicInfo(subject, messages, bytes, published, 1));
        }
    }

    /// <summary>Messages stored per subject of a stream with several subjects or wildcards.</summary>
    private async ValueTask<IDictionary<string, long>> SubjectCountsAsync(string stream, CancellationToken cancellationToken)
    {
        var info = await _js.GetStreamAsync(stream, new StreamInfoRequest { SubjectsFilter = ">" }, cancellationToken).ConfigureAwait(false);
        return info.Info.State.Subjects ?? new Dictionary<string, long>();
    }

    /// <summary>Messages stored on <paramref name="subject"/>, 0 when no stream holds it.</summary>
    private async ValueTask<long> CountAsync(string subject, CancellationToken cancellationToken)
    {
        if (!TopicName.IsValid(subject) || await ResolveStreamAsync(subject, cancellationToken, create: false).ConfigureAwait(false) is not { } stream)
        {
            return 0;
        }

        if (stream.Dedicated)
        {
            return (await _js.GetStreamAsync(stream.Name, cancellationToken: cancellationToken).ConfigureAwait(false)).Info.State.Messages;
        }

        return (await SubjectCountsAsync(stream.Name, cancellationToken).ConfigureAwait(false)).TryGetValue(subject, out var count) ? count : 0;
    }

    private int Members(string subject, string group) => _consumers.Keys.Count(c => Names.Subject(c.Spec.Topic) == subject && c.Spec.Group == group);
}
