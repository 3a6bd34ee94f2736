using Microsoft.Azure.WebJobs;
using Omnibus.Triggers.Internal;

namespace Omnibus.Bindings.Internal;

/// <summary>
/// The output of one <see cref="BrokerAttribute"/> binding in one invocation. Buffers what the function adds and
/// publishes it all in <see cref="FlushAsync"/>, which the SDK calls only after the function succeeded, so a failed
/// invocation publishes nothing. The publish is awaited; a failure throws, failing the invocation, so the trigger
/// message is redelivered. Outputs of a broker-triggered invocation get ids derived from the trigger message and their
/// position (<see cref="InvocationScope"/>), so a retried invocation publishes the same ids again, and a deduplicating
/// broker or the idempotent-consumer middleware drops the repeats. Thread-safe for a function that adds from several tasks.
/// </summary>
internal sealed class BrokerAsyncCollector : IAsyncCollector<Message>
{
    private readonly IBroker _broker;
    private readonly string _scheme;
    private readonly string _topic;
    private readonly string? _key;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly List<Message> _pending = [];

    public BrokerAsyncCollector(IBroker broker, string scheme, string topic, string? key, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        _broker = broker;
        _scheme = scheme;
        _topic = topic;
        _key = key;
        _headers = headers;
    }

    public Task AddAsync(Message item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var message = _key is not null && item.Key is null ? item.WithKey(_key) : item;
        if (message.IdempotencyId is null && InvocationScope.Current is { } invocation)
        {
            // The same id on every attempt of this invocation: a retry's duplicate is dropped downstream.
            message = message.WithStableId(invocation.NextOutputId(_topic));
        }

        foreach (var (name, value) in _headers)
        {
            message.Headers.TryAdd(name, value);
        }

        lock (_pending)
        {
            _pending.Add(message);
        }

        return Task.CompletedTask;
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Message[] batch;
        lock (_pending)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            batch = [.. _pending];
            _pending.Clear();
        }

        if (batch.Length == 1)
        {
            await _broker.PublishAsync(_topic, batch[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        var result = await _broker.PublishBatchAsync(_topic, batch, cancellationToken).ConfigureAwait(false);
        result.ThrowIfAnyFailed(_topic, _scheme);
    }
}
