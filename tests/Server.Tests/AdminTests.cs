using Microsoft.Extensions.Logging.Abstractions;
using Omnibus.Drivers;
using Omnibus.Memory;

namespace Omnibus.Server.Tests;

/// <summary>TOPICS, GROUPS, PEEK and BACKLOG over the wire, filtered by the token's read permissions.</summary>
public sealed class AdminTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        o => o.Tokens["a"] = new TokenGrant { Subscribe = ["a.*"] },
        _ => new Broker(new InspectableDriver()));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Admin_RoundTripsEveryField_AndHidesTopicsTheTokenCannotRead()
    {
        await using var client = _server.Connect("token=a");
        var admin = client.Admin!;

        Assert.Equal([InspectableDriver.Topics[0]], await admin.GetTopicsAsync(default));
        Assert.Equal([InspectableDriver.Groups[0]], await admin.GetGroupsAsync(null, default));
        Assert.Equal(42, await client.Backlog!.GetBacklogAsync("a.orders", "g", default));

        var peeked = Assert.Single(await admin.PeekAsync("a.orders", 5, default));
        var original = InspectableDriver.Stored;
        Assert.Equal((original.Id, original.Key, original.ContentType, original.Timestamp, original.GetString(), "a.orders", 3), (peeked.Id, peeked.Key, peeked.ContentType, peeked.Timestamp, peeked.GetString(), peeked.Topic, peeked.DeliveryAttempt));
        Assert.Equal("v", peeked.GetHeader("h"));
    }

    /// <summary>A memory broker that also answers admin questions with fixed data.</summary>
    private sealed class InspectableDriver : IBrokerDriver, IBrokerAdmin, IBacklogSource
    {
        public static readonly TopicInfo[] Topics = [new("a.orders", 10, 2048, 12, 1), new("b.secrets", 1, null, 1, 4)];
        public static readonly GroupInfo[] Groups = [new("a.orders", "g", 5, 2, 1, 3), new("b.secrets", "g", 1, 0, 0, 1)];
        public static readonly Message Stored = CreateStored();
        private readonly IBrokerDriver _inner = new MemoryDriverFactory().Create(ConnectionString.Parse("memory://"), NullLoggerFactory.Instance);

        public string Scheme => "inspectable";

        public BrokerFeatures Features => _inner.Features;

        public IBrokerAdmin Admin => this;

        public IBacklogSource Backlog => this;

        public ValueTask PublishAsync(string topic, Message message, CancellationToken cancellationToken) => _inner.PublishAsync(topic, message, cancellationToken);

        public ValueTask<PublishBatchResult> PublishBatchAsync(string topic, IReadOnlyList<Message> messages, CancellationToken cancellationToken) => _inner.PublishBatchAsync(topic, messages, cancellationToken);

        public ValueTask<IDeliverySource> OpenAsync(ConsumerSpec spec, CancellationToken cancellationToken) => _inner.OpenAsync(spec, cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        public ValueTask<IReadOnlyList<TopicInfo>> GetTopicsAsync(CancellationToken cancellationToken) => new(Topics);

        public ValueTask<IReadOnlyList<GroupInfo>> GetGroupsAsync(string? topic, CancellationToken cancellationToken) => new(Groups.Where(g => topic is null || g.Topic == topic).ToArray());

        public ValueTask<IReadOnlyList<Message>> PeekAsync(string topic, int max, CancellationToken cancellationToken) => new([Stored.ForDelivery(topic, 3)]);

        public ValueTask<long?> GetBacklogAsync(string topic, string group, CancellationToken cancellationToken) => new(42L);

        private static Message CreateStored()
        {
            var message = new Message("stored"u8.ToArray()) { Id = "m-1", Key = "k", ContentType = "text/plain", Timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };
            message.Headers["h"] = "v";
            return message;
        }
    }
}
