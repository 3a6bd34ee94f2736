namespace Omnibus;

/// <summary>Publishes messages to topics. Implementations are thread-safe.</summary>
public interface IPublisher
{
    /// <summary>
    /// Publishes one message and completes when the broker has acknowledged it (stored it under the driver's
    /// durability rules). Throws <see cref="PublishException"/> when it was not acknowledged.
    /// </summary>
    ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes several messages and reports, per entry, whether the broker acknowledged it. Does not throw for
    /// failed entries: inspect the result (or call <see cref="PublishBatchResult.ThrowIfAnyFailed"/>).
    /// </summary>
    ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken = default);
}
