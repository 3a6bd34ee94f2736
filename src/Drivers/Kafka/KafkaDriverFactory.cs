using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Drivers.Kafka;
using Omnibus.Drivers.Kafka.Internal;

[assembly: OmnibusDriver(typeof(KafkaDriverFactory))]

namespace Omnibus.Drivers.Kafka;

/// <summary>
/// Creates <c>kafka://</c> drivers: <c>kafka://[user:password@]host1:9092,host2:9092?option=value&amp;...</c>.
/// Keys pick the partition (Kafka's partitioner on the UTF-8 key), groups are Kafka consumer groups, and a message is
/// committed only once it and every message before it in its partition were acknowledged. See <see cref="Options"/>
/// for what the query string accepts; an option outside it, or a combination librdkafka cannot honour, is an error at
/// connect.
/// </summary>
public sealed class KafkaDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["kafka"];

    /// <inheritdoc />
    public DriverOptionTable Options => KafkaSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new KafkaDriver(KafkaSettings.Parse(connectionString), loggerFactory.CreateLogger("Omnibus.Drivers.Kafka"));
    }
}
