namespace Omnibus.Bench.EndToEnd;

/// <summary>The publishing side of every scenario: a sliding window of outstanding <c>PublishAsync</c> calls.</summary>
internal static class Publisher
{
    /// <summary>
    /// Publishes <paramref name="count"/> messages with <paramref name="body"/> to <paramref name="topic"/>, keeping
    /// <paramref name="window"/> publishes outstanding and awaiting the oldest before starting a new one.
    /// </summary>
    public static async Task PublishAsync(Broker broker, string topic, ReadOnlyMemory<byte> body, long count, int window)
    {
        var pending = new ValueTask[window];
        for (var i = 0L; i < count; i++)
        {
            var slot = (int)(i % window);
            await pending[slot];
            pending[slot] = broker.PublishAsync(topic, new Message(body));
        }

        foreach (var publish in pending)
        {
            await publish;
        }
    }
}
