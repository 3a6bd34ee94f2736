using Microsoft.Azure.WebJobs;
using Omnibus.Conformance.Servers;
using Omnibus.Bindings.Tests;
using Omnibus.Triggers;

namespace Omnibus.Server.Tests;

public sealed class KeyOrderedFunctions(Probe probe)
{
    [FunctionName("KeyOrderedLate")]
    public void Run([BrokerTrigger("late-server", OrderBy = OrderBy.Key)] string body) => probe["KeyOrderedLate"].Add(body);
}

/// <summary>
/// A function app whose omnibus server is down when the host starts: reading the driver's features does no I/O, so
/// indexing a trigger with OrderBy.Key does not fail; the listener retries, and recovers once the server is up.
/// </summary>
public sealed class ServerDownAtHostStartTests
{
    [Fact]
    public async Task OrderByKeyTrigger_ServerDownAtStart_HostStarts_ListenerRecoversWhenServerComesUp()
    {
        var port = LoopbackPort.Free();
        var connection = $"omnibus://127.0.0.1:{port}?reconnectDelay=100ms&reconnectMaxDelay=500ms&connectTimeout=1s";
        await using var host = await TestHost.StartAsync([typeof(KeyOrderedFunctions)], connectionString: connection);

        // Started while nothing listens: the listener said it could not subscribe and keeps trying.
        await host.Logs.Events.WaitUntilAsync(events => events.Any(e => e.Id.Id == 2002), TestHost.Timeout, "a failed subscribe (event 2002)");
        Assert.Equal(0, host.Probe["KeyOrderedLate"].Count);

        await using var server = await TestServer.StartAsync(options => options.Tcp = $"127.0.0.1:{port}");
        await host.Logs.Events.WaitUntilAsync(events => events.Any(e => e.Id.Id == 2003), TestHost.Timeout, "the listener recovered (event 2003)");
        await using var client = server.Connect();
        await client.PublishAsync("late-server", Message.From("after the server came up", "k1"));
        await host.Probe["KeyOrderedLate"].WaitUntilAsync(items => items.Contains("after the server came up"), TestHost.Timeout, "the message handled");
    }

}
