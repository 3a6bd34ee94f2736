using Omnibus.Drivers;
using Omnibus.Protocol;

namespace Omnibus.Server.Tcp;

/// <summary>Publishing and the admin requests.</summary>
internal sealed partial class TcpSession
{
    private void Publish(uint requestId, ref FrameReader reader)
    {
        var topic = reader.ReadString("topic");
        var message = reader.ReadMessage(string.Empty, 0);
        reader.End();
        if (!MayPublish(requestId, topic))
        {
            return;
        }

        var bytes = message.Body.Length;
        StartPublish(bytes);
        ValueTask pending;
        try
        {
            pending = _broker.PublishAsync(topic, message, _closing.Token);
        }
        catch (Exception e)
        {
            EndPublish(requestId, bytes, e);
            return;
        }

        if (pending.IsCompletedSuccessfully)
        {
            EndPublish(requestId, bytes, null);
            return;
        }

        _ = AwaitPublishAsync(pending, requestId, bytes);
    }

    private void PublishBatch(uint requestId, ref FrameReader reader)
    {
        var topic = reader.ReadString("topic");
        var count = reader.ReadVarint32(reader.Remaining / 3, "batch size");
        var messages = new Message[count];
        var bytes = 0;
        for (var i = 0; i < count; i++)
        {
            messages[i] = reader.ReadMessage(string.Empty, 0);
            bytes += messages[i].Body.Length;
        }

        reader.End();
        if (!MayPublish(requestId, topic))
        {
            return;
        }

        StartPublish(bytes);
        _ = PublishBatchAsync(requestId, topic, messages, bytes);
    }

    private async Task PublishBatchAsync(uint requestId, string topic, Message[] messages, int bytes)
    {
        PublishBatchResult result;
        try
        {
            result = await _broker.PublishBatchAsync(topic, messages, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            EndPublish(requestId, bytes, e);
            return;
        }

        try
        {
            using var frame = _outbox.Begin(Opcode.BatchResult, requestId);
            frame.Builder.WriteVarint((ulong)result.Count);
            for (var i = 0; i < result.Count; i++)
            {
                frame.Builder.WriteNullableString(result.ErrorOf(i)?.Message);
            }
        }
        catch (IOException)
        {
            // Closed meanwhile: the client fails the batch as not acknowledged.
        }

        Interlocked.Decrement(ref _inFlight);
        Interlocked.Add(ref _inFlightBytes, -bytes);
        _publishDone.Set();
    }

    private bool MayPublish(uint requestId, string topic)
    {
        if (!TopicName.IsValid(topic))
        {
            Reply(requestId, ErrorCode.InvalidRequest, $"'{topic}' is not a valid topic name.");
            return false;
        }

        if (!_grant!.CanPublish(topic))
        {
            Deny(requestId, "publish to", topic);
            return false;
        }

        return true;
    }

    private bool MayRead(uint requestId, string topic)
    {
        if (_grant!.CanSubscribe(topic))
        {
            return true;
        }

        Deny(requestId, "read", topic);
        return false;
    }

    private void Deny(uint requestId, string operation, string topic)
    {
        _stats.Reject();
        Log.Forbidden(_logger, Id, operation, topic);
        Reply(requestId, ErrorCode.Forbidden, $"Forbidden: this token may not {operation} topic '{topic}'.");
    }

    private void StartPublish(int bytes)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Add(ref _inFlightBytes, bytes);
    }

    private async Task AwaitPublishAsync(ValueTask pending, uint requestId, int bytes)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            EndPublish(requestId, bytes, e);
            return;
        }

        EndPublish(requestId, bytes, null);
    }

    private void EndPublish(uint requestId, int bytes, Exception? error)
    {
        if (error is null)
        {
            ReplyOk(requestId);
        }
        else
        {
            Reply(requestId, error is OmnibusConfigurationException ? ErrorCode.InvalidRequest : ErrorCode.BrokerFailure, error.Message);
        }

        Interlocked.Decrement(ref _inFlight);
        Interlocked.Add(ref _inFlightBytes, -bytes);
        _publishDone.Set();
    }

    private void Admin(Opcode opcode, uint requestId, ref FrameReader reader)
    {
        string? topic = null;
        string? group = null;
        var max = 0;
        switch (opcode)
        {
            case Opcode.Groups:
                topic = reader.ReadNullableString("topic");
                break;
            case Opcode.Peek:
                topic = reader.ReadString("topic");
                max = reader.ReadVarint32(10_000, "peek count");
                break;
            case Opcode.Backlog:
                topic = reader.ReadString("topic");
                group = reader.ReadString("group");
                break;
        }

        reader.End();
        if (topic is not null && !MayRead(requestId, topic))
        {
            return;
        }

        _ = AdminAsync(opcode, requestId, topic, group, max);
    }

    private async Task AdminAsync(Opcode opcode, uint requestId, string? topic, string? group, int max)
    {
        try
        {
            if (opcode == Opcode.Backlog)
            {
                var backlog = _broker.Backlog is { } source ? await source.GetBacklogAsync(topic!, group!, _closing.Token).ConfigureAwait(false) : null;
                using var frame = _outbox.Begin(Opcode.BacklogResult, requestId);
                frame.Builder.WriteInt64(backlog ?? -1);
                return;
            }

            if (_broker.Admin is not { } admin)
            {
                Reply(requestId, ErrorCode.NotSupported, $"The served broker ({_broker.Scheme}://) cannot list topics, groups or stored messages.");
                return;
            }

            switch (opcode)
            {
                case Opcode.Topics:
                    var topics = (await admin.GetTopicsAsync(_closing.Token).ConfigureAwait(false)).Where(t => _grant!.CanSubscribe(t.Name)).ToList();
                    using (var frame = _outbox.Begin(Opcode.TopicsResult, requestId))
                    {
                        frame.Builder.WriteTopics(topics);
                    }

                    break;
                case Opcode.Groups:
                    var groups = (await admin.GetGroupsAsync(topic, _closing.Token).ConfigureAwait(false)).Where(g => _grant!.CanSubscribe(g.Topic)).ToList();
                    using (var frame = _outbox.Begin(Opcode.GroupsResult, requestId))
                    {
                        frame.Builder.WriteGroups(groups);
                    }

                    break;
                default:
                    var messages = FitInFrame(await admin.PeekAsync(topic!, max, _closing.Token).ConfigureAwait(false));
                    using (var frame = _outbox.Begin(Opcode.PeekResult, requestId))
                    {
                        frame.Builder.WriteVarint((ulong)messages.Count);
                        foreach (var m in messages)
                        {
                            frame.Builder.WriteVarint((ulong)m.DeliveryAttempt);
                            frame.Builder.WriteMessage(m);
                        }
                    }

                    break;
            }
        }
        catch (IOException)
        {
            // Closed meanwhile: nobody to answer.
        }
        catch (FeatureNotSupportedException e)
        {
            Reply(requestId, ErrorCode.NotSupported, e.Message); // the served broker can be inspected, but not in this way
        }
        catch (Exception e)
        {
            Reply(requestId, ErrorCode.BrokerFailure, e.Message);
        }
    }

    /// <summary>The oldest messages whose encoding (estimated generously) fits half a frame: a peek never outgrows MaxFrameBytes.</summary>
    private List<Message> FitInFrame(IReadOnlyList<Message> messages)
    {
        var budget = _options.MaxFrameBytes / 2;
        var fitting = new List<Message>(messages.Count);
        foreach (var m in messages)
        {
            var size = 64 + m.Body.Length + 3 * (m.Id.Length + (m.Key?.Length ?? 0) + (m.ContentType?.Length ?? 0) + (m.IdempotencyId?.Length ?? 0)) + (m.HasHeaders ? m.Headers.Sum(h => 3 * (h.Key.Length + h.Value.Length) + 4) : 0);
            if ((budget -= size) < 0)
            {
                break;
            }

            fitting.Add(m);
        }

        return fitting;
    }
}
