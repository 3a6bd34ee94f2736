using System.Text;
using StackExchange.Redis;

namespace Omnibus.Drivers.Redis.Internal;

/// <summary>
/// Looking inside: topics are the streams under the prefix (SCAN ... TYPE stream, then XINFO STREAM), groups their
/// consumer groups (XINFO GROUPS, XINFO CONSUMERS). A group's backlog is its lag (entries not yet delivered to it) plus its
/// pending entries (delivered, not acknowledged: in flight or waiting out a nack delay).
/// </summary>
internal sealed partial class RedisDriver : IBrokerAdmin, IBacklogSource
{
    /// <summary>When the server cannot compute a group's lag (entries deleted inside the stream), it is counted up to this.</summary>
    private const int MaxCountedLag = 100_000;

    public IBrokerAdmin Admin => this;

    public IBacklogSource Backlog => this;

    public async ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken)
    {
        var key = StreamKey(topic);
        try
        {
            var db = (await ConnectAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(Settings.Database);
            if (!await db.KeyExistsAsync(key).ConfigureAwait(false))
            {
                return null;
            }

            var info = (await db.StreamGroupInfoAsync(key).ConfigureAwait(false)).FirstOrDefault(g => g.Name == group);
            return info.Name is null ? null : await LagAsync(db, key, info).ConfigureAwait(false) + info.PendingMessageCount;
        }
        catch (Exception e) when (e is ConnectionLostException || IsConnectionError(e) || e is RedisServerException)
        {
            Log.BacklogUnavailable(Logger, key, group, e.Message);
            return null;
        }
    }

    public async ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken)
    {
        var db = (await ConnectAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(Settings.Database);
        var topics = new List<TopicInfo>();
        foreach (var topic in await TopicNamesAsync(db, cancellationToken).ConfigureAwait(false))
        {
            var key = StreamKey(topic);
            (long Length, long? Added) info;
            try
            {
                info = await StreamCountsAsync(db, key).ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
                continue; // deleted since the scan
            }

            var bytes = await db.ExecuteAsync("MEMORY", "USAGE", key).ConfigureAwait(false);
            topics.Add(new TopicInfo(topic, info.Length, bytes.IsNull ? null : (long)bytes, info.Added ?? info.Length, 1)); // before Redis 7 no count of what was ever added: what is kept
        }

        return topics;
    }

    public async ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken)
    {
        var db = (await ConnectAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(Settings.Database);
        var topics = topic is null ? await TopicNamesAsync(db, cancellationToken).ConfigureAwait(false) : [topic];
        var groups = new List<GroupInfo>();
        foreach (var name in topics)
        {
            var key = StreamKey(name);
            StreamGroupInfo[] infos;
            try
            {
                infos = await db.StreamGroupInfoAsync(key).ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
                continue; // no such stream
            }

            var deadLettered = await db.StreamLengthAsync(StreamKey(name + ".dlq")).ConfigureAwait(false);
            foreach (var info in infos.OrderBy(g => g.Name, StringComparer.Ordinal))
            {
                var consumers = await db.StreamConsumerInfoAsync(key, info.Name).ConfigureAwait(false);
                // Attached: touched within claimIdle (a live consumer polls every pollMax and extends its leases every claimIdle/3).
                var members = consumers.Count(c => c.IdleTimeInMilliseconds < Settings.ClaimIdle.TotalMilliseconds);
                var lag = await LagAsync(db, key, info).ConfigureAwait(false);
                groups.Add(new GroupInfo(name, info.Name, lag + info.PendingMessageCount, info.PendingMessageCount, deadLettered, members));
            }
        }

        return groups;
    }

    public async ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0)
        {
            return [];
        }

        var db = (await ConnectAsync(cancellationToken).ConfigureAwait(false)).GetDatabase(Settings.Database);
        var entries = await db.StreamRangeAsync(StreamKey(topic), "-", "+", max).ConfigureAwait(false);
        return [.. entries.Select(e => StreamMapping.FromEntry(topic, e, 0, out _))];
    }

    // XINFO STREAM sent raw: StackExchange.Redis 2.8 does not read its entries-added field (Redis 7).
    private static async Task<(long Length, long? Added)> StreamCountsAsync(IDatabase db, string key)
    {
        var fields = (RedisResult[])(await db.ExecuteAsync("XINFO", "STREAM", key).ConfigureAwait(false))!;
        long length = 0;
        long? added = null;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            switch (fields[i].ToString())
            {
                case "length":
                    length = (long)fields[i + 1];
                    break;
                case "entries-added":
                    added = (long)fields[i + 1];
                    break;
            }
        }

        return (length, added);
    }

    private static async Task<long> LagAsync(IDatabase db, string key, StreamGroupInfo info)
    {
        if (info.Lag is { } lag)
        {
            return lag;
        }

        var after = await db.StreamRangeAsync(key, "(" + info.LastDeliveredId, "+", MaxCountedLag).ConfigureAwait(false);
        return after.Length;
    }

    /// <summary>The topics under the prefix: every stream key whose rest is a valid topic name, ordered.</summary>
    private async Task<List<string>> TopicNamesAsync(IDatabase db, CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var pattern = EscapeGlob(Settings.Prefix) + "*";
        var cursor = "0";
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000, "TYPE", "stream").ConfigureAwait(false))!;
            cursor = reply[0].ToString();
            foreach (var key in (RedisResult[])reply[1]!)
            {
                var name = key.ToString()[Settings.Prefix.Length..];
                if (TopicName.IsValid(name))
                {
                    names.Add(name);
                }
            }
        }
        while (cursor != "0");
        return [.. names];
    }

    private static string EscapeGlob(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
