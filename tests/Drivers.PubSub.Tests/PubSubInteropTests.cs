using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;
using Omnibus.Drivers.PubSub.Internal;

namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>
/// Another team's service on the official Node.js client (<c>@google-cloud/pubsub</c>, installed in
/// tests/Drivers.PubSub.Tests/interop by tests/servers/prepare.sh): its messages, with attributes and an ordering key,
/// reach an Omnibus handler intact and in order; an Omnibus message reads in the Node client with body, attributes and
/// ordering key.
/// </summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubInteropTests(PubSubEmulator emulator)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Where prepare.sh installs the Node client (the source tree, next to this test's script).</summary>
    private static readonly string InteropDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../interop"));

    [ConformanceFact]
    public async Task NodeClientMessages_WithAttributesAndOrderingKey_ConsumedIntactInOrder()
    {
        RequireNodeClient();
        var topic = "node-orders-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Broker.Connect(emulator.ConnectionString);
        var seen = new Recorder<Message>();
        await using var sub = await broker.SubscribeAsync(new SubscriptionOptions(topic, "ledger") { Ordering = MessageOrdering.ByKey }, (m, _) => { seen.Add(m); return default; });

        using var published = JsonDocument.Parse(await RunNodeAsync("publish", topic, 5));
        var ids = published.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();

        await seen.WaitForCountAsync(5, Timeout);
        Assert.Equal(ids, seen.Items.Select(m => m.Id)); // no omnibus-id: the Pub/Sub message id, in publish order
        for (var i = 0; i < 5; i++)
        {
            var m = seen.Items[i];
            Assert.Equal($"{{\"seq\":{i},\"total\":42}}", m.GetString());
            Assert.Equal("application/json", m.ContentType);
            Assert.Equal("acme", m.GetHeader("x-tenant"));
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.GetHeader("seq"));
            Assert.Equal("order-7", m.Key);
            Assert.Equal(topic, m.Topic);
            Assert.Equal(1, m.DeliveryAttempt);
        }
    }

    [ConformanceFact]
    public async Task OmnibusMessage_ReadByNodeClient_WithBodyAttributesAndOrderingKey()
    {
        RequireNodeClient();
        var topic = "node-shipments-" + Guid.NewGuid().ToString("N")[..8];
        var subscription = "node-reader-" + Guid.NewGuid().ToString("N")[..8];
        await using (var api = new PubSubApi(PubSubSettings.Parse(ConnectionString.Parse(emulator.ConnectionString), null)))
        {
            await api.CreateTopicAsync(api.TopicPath(topic), default);
            await api.CreateSubscriptionAsync(new Internal.Wire.Subscription { Name = api.SubscriptionPath(subscription), Topic = api.TopicPath(topic), AckDeadlineSeconds = 10 }, default);
        }

        await using var broker = Broker.Connect(emulator.ConnectionString);
        var sent = new Message(Encoding.UTF8.GetBytes("{\"id\":7}")) { Key = "order-7", ContentType = "application/json" };
        sent.Headers["x-origin"] = "omnibus";
        await broker.PublishAsync(topic, sent);

        using var received = JsonDocument.Parse(await RunNodeAsync("receive", subscription, 1));
        var message = received.RootElement.GetProperty("received")[0];
        Assert.Equal("{\"id\":7}", message.GetProperty("data").GetString());
        Assert.Equal("order-7", message.GetProperty("orderingKey").GetString());
        var attributes = message.GetProperty("attributes");
        Assert.Equal(sent.Id, attributes.GetProperty(PubSubAttributeNames.Id).GetString());
        Assert.Equal("application/json", attributes.GetProperty("content-type").GetString());
        Assert.Equal("omnibus", attributes.GetProperty("x-origin").GetString());
    }

    private void RequireNodeClient()
    {
        emulator.Require();
        if (!Directory.Exists(Path.Combine(InteropDirectory, "node_modules", "@google-cloud", "pubsub")))
        {
            throw TestEnvironment.Unavailable($"The Node.js Pub/Sub client is not installed in {InteropDirectory} (run tests/servers/prepare.sh)");
        }
    }

    private async Task<string> RunNodeAsync(string mode, string name, int count)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = InteropDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "node-client.mjs", mode, PubSubEmulator.Project, name, count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PUBSUB_EMULATOR_HOST"] = emulator.HostPort;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        Assert.True(process.ExitCode == 0, $"node {mode} exited with {process.ExitCode}: {await stderr} {await stdout}");
        return await stdout;
    }
}
