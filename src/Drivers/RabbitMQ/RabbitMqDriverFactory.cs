using Microsoft.Extensions.Logging;
using Omnibus.Drivers.RabbitMQ.Internal;

namespace Omnibus.Drivers.RabbitMQ;

/// <summary>
/// Creates <c>amqp://</c> and <c>amqps://</c> drivers for RabbitMQ:
/// <c>amqp://user:password@host:port/vhost?options</c> (several hosts separated by commas; vhost escaped, e.g.
/// <c>%2F</c>; default port 5672, or 5671 for amqps; default credentials guest/guest). A topic is a durable topic
/// exchange; a group is the durable queue <c>&lt;topic&gt;:&lt;group&gt;</c> bound to it with <c>#</c>.
/// </summary>
public sealed class RabbitMqDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["amqp", "amqps"];

    /// <inheritdoc />
    public DriverOptionTable Options => RabbitMqSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var settings = RabbitMqSettings.Parse(connectionString);
        return new RabbitMqDriver(settings, loggerFactory.CreateLogger<RabbitMqDriver>());
    }
}
