using System.Collections.Concurrent;

namespace Omnibus.Drivers.PubSub.Internal;

/// <summary>
/// Delivery attempts counted in this process, for a subscription without a dead-letter policy (the service counts
/// attempts only with one, so an operator's plain subscription reports none). Keyed by subscription and Pub/Sub message
/// id, forgotten on ack; bounded (the oldest half is dropped past <see cref="Capacity"/>). It does not survive the
/// process: a message that kills its consumer every time starts again at 1 in the next one (docs/drivers/pubsub.md).
/// </summary>
internal sealed class LocalAttempts
{
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Next(string subscription, string messageId)
    {
        if (_counts.Count >= Capacity)
        {
            foreach (var key in _counts.Keys.Take(Capacity / 2))
            {
                _counts.TryRemove(key, out _);
            }
        }

        return _counts.AddOrUpdate(Key(subscription, messageId), 1, (_, n) => n + 1);
    }

    public void Forget(string subscription, string messageId) => _counts.TryRemove(Key(subscription, messageId), out _);

    private static string Key(string subscription, string messageId) => subscription + "\n" + messageId;
}
