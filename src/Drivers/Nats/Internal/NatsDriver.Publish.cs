using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Omnibus.Drivers.Nats.Internal;

/// <summary>Publishing: a publish completes with the stream's PubAck; a batch keeps up to <c>publishWindow</c> in flight.</summary>
internal sealed partial class NatsDriver
{
    public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return PublishOneAsync(topic, message, cancellationToken);
    }

    public async ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var errors = new Exception?[messages.Count];
        if (messages.Count == 0)
        {
            return new PublishBatchResult(errors);
        }

        // The stream is found (or made) once, then every entry is sent without waiting for the one before.
        try
        {
            await EnsurePublishableAsync(topic, cancellationToken).ConfigureAwait(false);
        }
        catch (PublishException e)
        {
            Array.Fill(errors, e);
            return new PublishBatchResult(errors);
        }

        using var window = new SemaphoreSlim(_settings.PublishWindow);
        var pending = new Task[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            await window.WaitAsync(cancellationToken).ConfigureAwait(false);
            var index = i;
            pending[i] = PublishEntryAsync(topic, messages[i], index, errors, window, cancellationToken);
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        return new PublishBatchResult(errors);
    }

    private async Task PublishEntryAsync(string topic, Message message, int index, Exception?[] errors, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            await PublishOneAsync(topic, message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            errors[index] = e;
        }
        finally
        {
            window.Release();
        }
    }

    private async ValueTask PublishOneAsync(string topic, Message message, CancellationToken cancellationToken)
    {
        if (!_streams.ContainsKey(topic))
        {
            await EnsurePublishableAsync(topic, cancellationToken).ConfigureAwait(false);
        }

        var opts = message.IdempotencyId is { } idempotencyId ? new NatsJSPubOpts { MsgId = idempotencyId } : null;
        PubAckResponse ack;
        try
        {
            ack = await _js.PublishAsync(Names.Subject(topic), message.Body, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, opts, MessageMapping.ToHeaders(message), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            if (e is NatsJSPublishNoResponseException or NatsNoRespondersException)
            {
                ForgetStream(topic); // its stream may have been deleted: look it up again next time
            }

            throw new PublishException(topic, Scheme, $"Publishing message {message.Id} to '{topic}' was not confirmed by the NATS server: {e.Message}", e);
        }

        if (ack.Error is { } error)
        {
            throw new PublishException(topic, Scheme, $"The NATS server rejected message {message.Id} to '{topic}': {error.Description} (code {error.ErrCode}).");
        }
    }

    /// <summary>Makes sure a stream stores the topic's subject, so the publish gets a PubAck.</summary>
    private async ValueTask EnsurePublishableAsync(string topic, CancellationToken cancellationToken)
    {
        ResolvedStream? stream;
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
            stream = await ResolveStreamAsync(topic, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException or ConnectionLostException)
        {
            throw new PublishException(topic, Scheme, $"Finding the stream of topic '{topic}' on the NATS server failed: {e.Message}", e);
        }

        if (stream is null)
        {
            throw new PublishException(topic, Scheme, $"No stream of the NATS server stores subject '{Names.Subject(topic)}' (topic '{topic}'), and createStreams=false forbids creating one.");
        }
    }
}
