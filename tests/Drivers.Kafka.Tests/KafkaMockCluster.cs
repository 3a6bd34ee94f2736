using Confluent.Kafka;
using Omnibus.Conformance;

namespace Omnibus.Drivers.Kafka.Tests;

/// <summary>
/// librdkafka's mock cluster (the Kafka wire protocol on loopback TCP, in this process), shared by the tests of a class:
/// a producer configured with <c>test.mock.num.brokers</c> owns it, and the driver under test connects to its address.
/// The native library comes from the official librdkafka.redist package; should it not load, the tests that need it are
/// skipped with the reason, or fail with it in CI (<see cref="TestEnvironment.IsCI"/>): never a silent pass.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IProducer<byte[], byte[]>? _owner;

    public KafkaMockCluster()
    {
        try
        {
            var version = Library.Version;
            if (version < 0x020100ff)
            {
                Unavailable = $"librdkafka {Library.VersionString} is loaded; Confluent.Kafka 2.16.0 needs 2.1 or later";
                return;
            }

            var config = new ProducerConfig();
            config.Set("test.mock.num.brokers", "1");
            _owner = new ProducerBuilder<byte[], byte[]>(config).Build();
            using var admin = new DependentAdminClientBuilder(_owner.Handle).Build();
            BootstrapServers = string.Join(',', admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => $"{b.Host}:{b.Port}"));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or KafkaException or InvalidOperationException)
        {
            Unavailable = $"librdkafka could not be loaded or started ({e.GetType().Name}: {e.Message}); the librdkafka.redist package should have brought it";
        }
    }

    /// <summary>host:port of the mock brokers, or empty when unavailable.</summary>
    public string BootstrapServers { get; } = string.Empty;

    /// <summary>Why there is no cluster, or null.</summary>
    public string? Unavailable { get; }

    /// <summary>The conventional connection string for the tests: short session timeout (mock rebalances wait for it), fast commits.</summary>
    public string ConnectionString(string extra = "") =>
        $"kafka://{BootstrapServers}?sessionTimeout=6s&commitInterval=100ms&revokeWait=2s{extra}";

    /// <summary>Fails (in CI) or skips the test with the reason when there is no cluster.</summary>
    public void Require()
    {
        if (Unavailable is not null)
        {
            throw TestEnvironment.Unavailable("No Kafka mock cluster: " + Unavailable);
        }
    }

    public void Dispose() => _owner?.Dispose();
}
