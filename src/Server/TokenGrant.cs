namespace Omnibus.Server;

/// <summary>
/// What one access token may do. Topic patterns are an exact topic name, <c>*</c> (every topic), or a prefix ending in
/// <c>*</c> (<c>orders.*</c> matches <c>orders.eu</c> and <c>orders.eu.dlq</c>). Reading a topic (subscribe, peek,
/// its groups) needs <see cref="Subscribe"/>; writing it (publish, dead-letter replay into it) needs <see cref="Publish"/>.
/// </summary>
public sealed record TokenGrant
{
    /// <summary>Topic patterns this token may publish to.</summary>
    public IReadOnlyList<string> Publish { get; init; } = [];

    /// <summary>Topic patterns this token may subscribe to and inspect.</summary>
    public IReadOnlyList<string> Subscribe { get; init; } = [];

    /// <summary>A grant for every topic, both ways.</summary>
    public static TokenGrant All { get; } = new() { Publish = ["*"], Subscribe = ["*"] };

    /// <summary>Whether <paramref name="topic"/> may be published to.</summary>
    public bool CanPublish(string topic) => Matches(Publish, topic);

    /// <summary>Whether <paramref name="topic"/> may be read.</summary>
    public bool CanSubscribe(string topic) => Matches(Subscribe, topic);

    private static bool Matches(IReadOnlyList<string> patterns, string topic)
    {
        foreach (var pattern in patterns)
        {
            if (pattern == "*" || pattern == topic
                || (pattern.EndsWith('*') && topic.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
