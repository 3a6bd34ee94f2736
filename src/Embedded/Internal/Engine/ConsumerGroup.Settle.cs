using Omnibus.Embedded.Internal.Storage;

namespace Omnibus.Embedded.Internal.Engine;

/// <summary>Acknowledgements, rejections and consumers leaving.</summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>
    /// Settles a delivery for good. Stale tokens (the delivery was already redelivered elsewhere) do nothing. Fails,
    /// settling nothing, once the engine stopped.
    /// </summary>
    public Task AckAsync(EmbeddedDelivery delivery)
    {
        if (_topic.Engine.StoppedError() is { } stopped)
        {
            return Task.FromException(stopped);
        }

        lock (_lock)
        {
            var key = (delivery.Partition, delivery.Offset);
            if (!_inFlight.TryGetValue(key, out var flight) || flight.Token != delivery.Token)
            {
                return Task.CompletedTask;
            }

            _inFlight.Remove(key);
            LeftInFlightLocked(flight);
            _retainedAcknowledged |= _retained == key;
            SettleLocked(delivery.Partition, delivery.Offset);
        }

        PulseIfLanesChanged();

        // Exactly once: the acknowledgement is durable before the caller hears it, so a restart never redelivers it.
        if (delivery.Consumer.Qos != 2)
        {
            return Task.CompletedTask;
        }

        var flushed = _store.WaitFlushedAsync();
        if (!flushed.IsCompleted)
        {
            _topic.Engine.JournalAwaited();
        }

        return flushed;
    }

    /// <summary>
    /// A handler is about to run on the delivery: its attempt counts from now, kept by the operating system before any
    /// handler code runs, so a handler that kills the process still uses it up (see <see cref="JournalRing"/>).
    /// </summary>
    /// <exception cref="StorageException">The engine stopped or the write failed; the attempt is not counted.</exception>
    public void Started(EmbeddedDelivery delivery)
    {
        if (_topic.Engine.StoppedError() is { } stopped)
        {
            throw stopped;
        }

        lock (_lock)
        {
            var key = (delivery.Partition, delivery.Offset);
            if (!_inFlight.TryGetValue(key, out var flight) || flight.Token != delivery.Token || flight.Started)
            {
                return;
            }

            _store.AppendStarted(delivery.Partition, delivery.Offset, flight.Attempt);
            _topic.Engine.JournalDirty();
            _state.Attempts[key] = flight.Attempt;
            flight.Started = true;
        }
    }

    /// <summary>
    /// Puts a delivery back, to be handed out again after <paramref name="delay"/>, with its attempt count kept.
    /// </summary>
    /// <exception cref="StorageException">The engine stopped; nothing was changed.</exception>
    public void Nack(EmbeddedDelivery delivery, TimeSpan delay)
    {
        if (_topic.Engine.StoppedError() is { } stopped)
        {
            throw stopped;
        }

        lock (_lock)
        {
            var key = (delivery.Partition, delivery.Offset);
            if (!_inFlight.TryGetValue(key, out var flight) || flight.Token != delivery.Token)
            {
                return;
            }

            _inFlight.Remove(key);
            LeftInFlightLocked(flight);
            if (flight.Started)
            {
                _store.AppendAttempts(delivery.Partition, delivery.Offset, _state.Attempts.GetValueOrDefault(key));
                _topic.Engine.JournalDirty();
            }

            if (delay > TimeSpan.Zero)
            {
                ScheduleLocked(delivery.Partition, flight.Record, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)delay.TotalMilliseconds);
            }
            else
            {
                RequeueLocked(delivery.Partition, flight.Record);
            }
        }

        if (delay <= TimeSpan.Zero)
        {
            Pulse();
        }

        PulseIfLanesChanged();
    }

    private void SettleLocked(int partition, long offset)
    {
        if (_state.Settle(partition, offset))
        {
            _store.AppendSettled(partition, offset);
            _topic.Engine.JournalDirty();
        }
    }
}
