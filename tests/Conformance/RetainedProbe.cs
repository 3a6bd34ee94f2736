namespace Omnibus.Conformance;

/// <summary>Retained-message helpers shared by the embedded engine's and the omnibus server's tests.</summary>
public static class RetainedProbe
{
    /// <summary>A text message with the retain header set (an empty <paramref name="body"/> clears the retained message).</summary>
    public static Message Retained(string body)
    {
        var message = Message.FromString(body);
        message.Headers[HeaderNames.Retain] = "true";
        return message;
    }

    /// <summary>
    /// What a new group of <paramref name="topic"/> starting from Latest sees first: the retained message, or else "next",
    /// which this publishes once the group has joined.
    /// </summary>
    public static async Task<string> FirstOfNewGroupAsync(IBroker broker, string topic, string group, TimeSpan timeout)
    {
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, group) { StartFrom = StartPosition.Latest }, (m, _) => { seen.Add(m); return default; });
        await broker.PublishAsync(topic, Message.FromString("next"));
        await seen.WaitUntilAsync(items => items.Any(m => m.GetString() == "next"), timeout, $"'next' on group {group}");
        return seen.Items[0].GetString();
    }
}
