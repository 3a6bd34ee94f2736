using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Memory;
using Omnibus.Triggers;
using Xunit;

namespace Omnibus.Bindings.Tests;

public sealed class OrderByKeyFunctions(Probe probe)
{
    [FunctionName("Ordered")]
    public void Ordered([BrokerTrigger("ordered", Connection = "Ordered", OrderBy = OrderBy.Key)] string body) => probe["Ordered"].Add(body);
}

/// <summary>
/// OrderBy.Key promises per-key order across every instance the function scales out to: a driver that does not declare
/// <see cref="BrokerFeatures.KeyOrdering"/> fails the host's start, naming the property; one that does runs it.
/// </summary>
public sealed class OrderByKeyTests
{
    [Fact]
    public async Task OrderByKey_OnADriverWithoutKeyOrdering_FailsAtStartNamingOrderBy()
    {
        await using var host = await TestHost.StartAsync(
            [typeof(OrderByKeyFunctions)],
            new Dictionary<string, string?> { ["Ordered"] = "unordered://" + Guid.NewGuid().ToString("N") },
            o => o.Registry = UnorderedDriverFactory.Registry(),
            start: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.Host.StartAsync());
        var configuration = Find(error);
        Assert.Equal("OrderBy", configuration.Setting);
        Assert.Contains("OrderBy = 'Key' is invalid", configuration.Message, StringComparison.Ordinal);
        Assert.Contains("unordered://", configuration.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrderByKey_OnADriverWithKeyOrdering_Runs()
    {
        var name = Guid.NewGuid().ToString("N");
        await using var host = await TestHost.StartAsync([typeof(OrderByKeyFunctions)], new Dictionary<string, string?> { ["Ordered"] = "memory://" + name });
        await using var client = Broker.Connect("memory://" + name);
        await client.PublishAsync("ordered", new Message(System.Text.Encoding.UTF8.GetBytes("k1")) { Key = "k" });
        await host.Probe["Ordered"].WaitForCountAsync(1, TestHost.Timeout);
    }

    private static OmnibusConfigurationException Find(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is OmnibusConfigurationException configuration)
            {
                return configuration;
            }
        }

        throw new Xunit.Sdk.XunitException("No OmnibusConfigurationException in: " + error);
    }

    /// <summary><c>unordered://name</c>: the memory:// broker <c>name</c>, declaring no per-key order (as amqp:// does).</summary>
    private sealed class UnorderedDriverFactory : IBrokerDriverFactory
    {
        private static readonly MemoryDriverFactory Memory = new();

        public IReadOnlyList<string> Schemes { get; } = ["unordered"];

        public DriverOptionTable Options { get; } = new("unordered");

        public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory) =>
            new UnorderedDriver(Memory.Create(ConnectionString.Parse("memory://" + connectionString.Location), loggerFactory));

        public static BrokerRegistry Registry() =>
            new BrokerRegistry().Register(new MemoryDriverFactory()).Register(new UnorderedDriverFactory())
                .Register(typeof(Omnibus.Embedded.EmbeddedDriverFactory).Assembly);
    }

    private sealed class UnorderedDriver(IBrokerDriver inner) : IBrokerDriver
    {
        public string Scheme => "unordered";

        public BrokerFeatures Features { get; } = inner.Features with { KeyOrdering = false };

        public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) => inner.PublishAsync(topic, message, cancellationToken);

        public ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken) =>
            inner.PublishBatchAsync(topic, messages, cancellationToken);

        public ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken) => inner.OpenAsync(spec, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
