using System.Globalization;

namespace Omnibus.Drivers.RabbitMQ.Internal;

/// <summary>
/// How Omnibus names map to RabbitMQ objects. ':' cannot occur in an Omnibus topic or group name, so these
/// names never collide with one another or with a topic's exchange (named as the topic).
/// </summary>
internal static class Names
{
    /// <summary>Longest delay a TTL queue can hold (x-message-ttl is a 32-bit count of milliseconds).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(uint.MaxValue);

    private static readonly int[] Steps = [10, 12, 15, 20, 25, 30, 40, 50, 60, 80];

    /// <summary>The durable queue of <paramref name="group"/> on <paramref name="topic"/>.</summary>
    public static string GroupQueue(string topic, string group) => topic + ":" + group;

    /// <summary>The per-topic TTL queue holding delayed publishes; it dead-letters into the topic's exchange.</summary>
    public static string DelayQueue(string topic, long bucketMs) => "omnibus:delay:" + topic + ":" + bucketMs.ToString(CultureInfo.InvariantCulture);

    /// <summary>A group's TTL queue of one redelivery delay; it dead-letters back into the group's queue.</summary>
    public static string RetryQueue(string topic, string group, long bucketMs) => "omnibus:retry:" + topic + ":" + group + ":" + bucketMs.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="queue"/> is a group's queue (<see cref="GroupQueue"/>), and of which topic and group.</summary>
    public static bool TryParseGroupQueue(string queue, out string topic, out string group)
    {
        var parts = queue.Split(':');
        (topic, group) = parts.Length == 2 ? (parts[0], parts[1]) : (string.Empty, string.Empty);
        return parts.Length == 2 && TopicName.IsValid(topic) && TopicName.IsValid(group);
    }

    /// <summary>Whether <paramref name="queue"/> is a group's retry queue (<see cref="RetryQueue"/>), and of which topic and group.</summary>
    public static bool TryParseRetryQueue(string queue, out string topic, out string group)
    {
        var parts = queue.Split(':');
        (topic, group) = parts.Length == 5 ? (parts[2], parts[3]) : (string.Empty, string.Empty);
        return parts.Length == 5 && parts[0] == "omnibus" && parts[1] == "retry" && TopicName.IsValid(topic) && TopicName.IsValid(group) && IsBucket(parts[4]);
    }

    /// <summary>Whether <paramref name="queue"/> is a topic's delay queue (<see cref="DelayQueue"/>), and of which topic.</summary>
    public static bool TryParseDelayQueue(string queue, out string topic)
    {
        var parts = queue.Split(':');
        topic = parts.Length == 4 ? parts[2] : string.Empty;
        return parts.Length == 4 && parts[0] == "omnibus" && parts[1] == "delay" && TopicName.IsValid(topic) && IsBucket(parts[3]);
    }

    /// <summary>
    /// Rounds a delay up to one of about ten buckets per decade (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ ms), so a
    /// message is never early, is at most 25% late, and the number of TTL queues stays small.
    /// </summary>
    public static long Bucket(TimeSpan delay)
    {
        var ms = (long)Math.Ceiling(delay.TotalMilliseconds);
        if (ms <= 1)
        {
            return 1;
        }

        long scale = 1;
        while (ms > 8 * scale)
        {
            scale *= 10;
        }

        foreach (var step in Steps)
        {
            // Steps are tenths of the decade [scale, 10 * scale): step * scale / 10.
            var candidate = scale >= 10 ? step * (scale / 10) : (long)Math.Ceiling(step * scale / 10.0);
            if (candidate >= ms)
            {
                return Math.Min(candidate, uint.MaxValue);
            }
        }

        return Math.Min(10 * scale, uint.MaxValue);
    }

    private static bool IsBucket(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
