namespace Omnibus;

/// <summary>
/// Handles one message. Returning acknowledges it; throwing rejects it, so it is redelivered after a backoff,
/// and dead-lettered after the last attempt. The token is cancelled when the subscription closes.
/// </summary>
public delegate ValueTask MessageHandler(Message message, CancellationToken cancellationToken);

/// <summary>
/// Handles a batch. Returning acknowledges every entry not marked with <see cref="MessageBatch.Fail"/>;
/// throwing rejects the whole batch.
/// </summary>
public delegate ValueTask BatchHandler(MessageBatch batch, CancellationToken cancellationToken);
