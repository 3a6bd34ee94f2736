namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>Polls the admin until a topic or group looks as a test expects, with a deadline (the broker settles asynchronously).</summary>
internal static class AdminWait
{
    /// <summary>How long a condition may take on a busy two-core machine (the management plugin samples every 500 ms here).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The only group of <paramref name="topic"/> once it meets <paramref name="condition"/>.</summary>
    public static Task<GroupInfo> ForGroupAsync(IBrokerAdmin admin, string topic, Func<GroupInfo, bool> condition, string what) =>
        UntilAsync(async () => (await admin.GetGroupsAsync(topic, default)).SingleOrDefault(), condition, what);

    /// <summary>Topic <paramref name="topic"/> once it meets <paramref name="condition"/>.</summary>
    public static Task<TopicInfo> ForTopicAsync(IBrokerAdmin admin, string topic, Func<TopicInfo, bool> condition, string what) =>
        UntilAsync(async () => (await admin.GetTopicsAsync(default)).SingleOrDefault(t => t.Name == topic), condition, what);

    /// <summary>What <paramref name="read"/> returns once it meets <paramref name="condition"/>; fails with the last seen after <see cref="Timeout"/>.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> read, Func<T, bool> condition, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + Timeout;
        T? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await read();
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Timed out waiting for {what}; last seen: {(last is null ? "nothing" : last)}");
    }
}
