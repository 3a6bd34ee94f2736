using Microsoft.Extensions.Logging;
using Omnibus.Drivers.Nats.Internal;

namespace Omnibus.Drivers.Nats;

/// <summary>
/// Creates <c>nats://</c> drivers for NATS JetStream: <c>nats://[user:password@]host[:port][,host[:port]...]?options</c>
/// (default port 4222; <c>tls=true</c> for TLS). A topic is the subject of the same name, stored in the stream that
/// covers it (an operator's, or one the driver creates); a group is a durable pull consumer on that stream, shared by
/// its members. See <see cref="Options"/> and docs/drivers/nats.md.
/// </summary>
public sealed class NatsDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [NatsSettings.Scheme];

    /// <inheritdoc />
    public DriverOptionTable Options => NatsSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new NatsDriver(NatsSettings.Parse(connectionString), loggerFactory);
    }
}
