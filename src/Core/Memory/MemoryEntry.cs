namespace Omnibus.Memory;

/// <summary>
/// A message as one group holds it. Owned by at most one consumer at a time (between a read and its
/// settlement), which is what makes the unsynchronised delivery counter safe.
/// </summary>
internal sealed class MemoryEntry
{
    public MemoryEntry(Message message, MemoryTopic topic, MemoryGroup? group, DateTimeOffset publishedAt)
    {
        Message = message;
        Topic = topic;
        Group = group;
        PublishedAt = message.Timestamp != default ? message.Timestamp : publishedAt;
        VisibleAt = message.DeliverAfter is { } delay && delay > TimeSpan.Zero ? publishedAt + delay : null;
        ExpiresAt = message.TimeToLive is { } ttl ? (VisibleAt ?? publishedAt) + ttl : null;
    }

    private MemoryEntry(MemoryEntry template, MemoryGroup group)
    {
        Message = template.Message;
        Topic = template.Topic;
        Group = group;
        PublishedAt = template.PublishedAt;
        VisibleAt = template.VisibleAt;
        ExpiresAt = template.ExpiresAt;
    }

    public Message Message { get; }

    public MemoryTopic Topic { get; }

    public MemoryGroup? Group { get; }

    public DateTimeOffset PublishedAt { get; }

    public DateTimeOffset? VisibleAt { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>How often this entry was handed to a consumer.</summary>
    public int Deliveries { get; set; }

    public MemoryEntry CopyFor(MemoryGroup group) => new(this, group);
}
