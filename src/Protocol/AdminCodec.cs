using Omnibus.Drivers;

namespace Omnibus.Protocol;

/// <summary>Encodings of the handshake features and the admin replies (docs/protocol.md).</summary>
internal static class AdminCodec
{
    /// <summary>
    /// A HELLO_OK feature bit that is no broker feature but a protocol capability: the server understands
    /// <see cref="Opcode.ReportStarts"/> and <see cref="Opcode.Started"/>. Bits from 16 up are capabilities.
    /// </summary>
    public const uint ReportsStartsBit = 1u << 16;

    public static uint EncodeFeatures(BrokerFeatures f) =>
        (f.ConsumerGroups ? 1u : 0) | (f.KeyOrdering ? 2u : 0) | (f.Persistent ? 4u : 0) | (f.DelayedDelivery ? 8u : 0)
        | (f.TimeToLive ? 16u : 0) | (f.NativeDeadLetter ? 32u : 0) | (f.ExactlyOnce ? 64u : 0) | (f.BatchPublish ? 128u : 0)
        | (f.Replay ? 256u : 0) | (f.RetainedMessages ? 512u : 0) | (f.AtMostOnce ? 1024u : 0);

    /// <summary>Unknown bits (features of a newer server) are ignored: a client only relies on what it knows.</summary>
    public static BrokerFeatures DecodeFeatures(uint bits) => new()
    {
        ConsumerGroups = (bits & 1) != 0,
        KeyOrdering = (bits & 2) != 0,
        Persistent = (bits & 4) != 0,
        DelayedDelivery = (bits & 8) != 0,
        TimeToLive = (bits & 16) != 0,
        NativeDeadLetter = (bits & 32) != 0,
        ExactlyOnce = (bits & 64) != 0,
        BatchPublish = (bits & 128) != 0,
        Replay = (bits & 256) != 0,
        RetainedMessages = (bits & 512) != 0,
        AtMostOnce = (bits & 1024) != 0,
    };

    public static void WriteTopics(this FrameBuilder builder, IReadOnlyList<TopicInfo> topics)
    {
        builder.WriteVarint((ulong)topics.Count);
        foreach (var t in topics)
        {
            builder.WriteString(t.Name);
            builder.WriteInt64(t.Messages);
            builder.WriteInt64(t.Bytes ?? -1);
            builder.WriteInt64(t.Published);
            builder.WriteVarint((ulong)t.Partitions);
        }
    }

    public static IReadOnlyList<TopicInfo> ReadTopics(this ref FrameReader reader)
    {
        var count = reader.ReadVarint32(reader.Remaining / 26, "topic count");
        var topics = new List<TopicInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString("topic");
            var messages = reader.ReadInt64();
            var bytes = reader.ReadInt64();
            topics.Add(new TopicInfo(name, messages, bytes < 0 ? null : bytes, reader.ReadInt64(), reader.ReadVarint32(int.MaxValue, "partitions")));
        }

        return topics;
    }

    public static void WriteGroups(this FrameBuilder builder, IReadOnlyList<GroupInfo> groups)
    {
        builder.WriteVarint((ulong)groups.Count);
        foreach (var g in groups)
        {
            builder.WriteString(g.Topic);
            builder.WriteString(g.Group);
            builder.WriteInt64(g.Lag);
            builder.WriteInt64(g.InFlight);
            builder.WriteInt64(g.DeadLettered);
            builder.WriteVarint((ulong)g.Members);
        }
    }

    public static IReadOnlyList<GroupInfo> ReadGroups(this ref FrameReader reader)
    {
        var count = reader.ReadVarint32(reader.Remaining / 27, "group count");
        var groups = new List<GroupInfo>(count);
        for (var i = 0; i < count; i++)
        {
            groups.Add(new GroupInfo(reader.ReadString("topic"), reader.ReadString("group"), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadVarint32(int.MaxValue, "members")));
        }

        return groups;
    }
}
