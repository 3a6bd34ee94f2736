using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Drivers.Redis;
using Omnibus.Drivers.Redis.Internal;

[assembly: OmnibusDriver(typeof(RedisDriverFactory))]

namespace Omnibus.Drivers.Redis;

/// <summary>
/// Creates <c>redis://</c> and <c>rediss://</c> (TLS) drivers for Redis Streams:
/// <c>redis://[user:password@]host[:port][/database][?option=value&amp;...]</c> (default port 6379; an ACL user, or only
/// a password for <c>requirepass</c>: <c>redis://:secret@host</c>). A topic is the stream <c>prefix + topic</c>, a group
/// a consumer group of it (created with MKSTREAM), each subscriber a consumer of its own name; see
/// <see cref="RedisStreamFields"/> for the entry layout and <see cref="Options"/> for the query string. One standalone
/// server (or a primary): Redis Cluster and Sentinel endpoints are rejected. Creating a driver does no I/O.
/// </summary>
public sealed class RedisDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["redis", "rediss"];

    /// <inheritdoc />
    public DriverOptionTable Options => RedisSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new RedisDriver(RedisSettings.From(connectionString), loggerFactory.CreateLogger("Omnibus.Drivers.Redis"));
    }
}
