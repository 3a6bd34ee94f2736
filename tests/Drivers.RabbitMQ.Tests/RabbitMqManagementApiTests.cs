using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Omnibus.Drivers.RabbitMQ.Tests;

/// <summary>
/// What the driver asks the management API and how it reads the answer, against a stand-in HTTP server on loopback
/// (no RabbitMQ needed: the admin asks AMQP nothing while every queue has its counts).
/// </summary>
public sealed class RabbitMqManagementApiTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<(string PathAndQuery, string? Authorization)> _requests = [];
    private readonly int _port;
    private Func<string, (int Status, string Body)> _answer = _ => (404, "{}");

    public RabbitMqManagementApiTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    [Fact]
    public async Task Admin_AsksAsTheConnectionsUserBelowThePathPrefix_AndMapsTheLists()
    {
        _answer = path => path.StartsWith("/rabbit/api/exchanges/", StringComparison.Ordinal)
            ? (200, """[{"name":"orders","type":"topic","internal":false,"message_stats":{"publish_in":7}},{"name":"amq.topic","type":"topic","internal":false}]""")
            : (200, """[{"name":"orders:billing","messages_ready":3,"messages_unacknowledged":1,"consumers":2,"message_bytes":40},{"name":"omnibus:retry:orders:billing:1000","messages_ready":5,"messages_unacknowledged":0,"consumers":0,"message_bytes":50}]""");
        await using var broker = Broker.Connect($"amqp://app:pa%3Ass@127.0.0.1:1/prod%2Feu?management=http://127.0.0.1:{_port}/rabbit");

        Assert.Equal([new TopicInfo("orders", 4, 40, 7, 1)], await broker.Admin!.GetTopicsAsync(default));
        Assert.Equal([new GroupInfo("orders", "billing", 3 + 1 + 5, 1, 0, 2)], await broker.Admin.GetGroupsAsync("orders", default));
        Assert.Equal(9, await broker.Backlog!.GetBacklogAsync("orders", "billing", default));

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("app:pa:ss"));
        lock (_requests)
        {
            Assert.All(_requests, r => Assert.Equal(basic, r.Authorization));
            Assert.Contains(_requests, r => r.PathAndQuery == "/rabbit/api/exchanges/prod%2Feu?columns=name,type,internal,message_stats.publish_in");
            Assert.Contains(_requests, r => r.PathAndQuery == "/rabbit/api/queues/prod%2Feu?columns=name,messages_ready,messages_unacknowledged,consumers,message_bytes");
        }
    }

    [Theory]
    [InlineData(200, "<html>RabbitMQ Management</html>", "answered with something other than its JSON list")]
    [InlineData(200, """{"error":"not a list"}""", "answered with something other than its JSON list")]
    [InlineData(403, "{}", "refused user 'guest' access to virtual host '/' (403 Forbidden)")]
    [InlineData(500, "{}", "answered 500 InternalServerError")]
    public async Task Groups_AnswerThatIsNotTheList_ErrorSaysWhat(int status, string body, string expected)
    {
        _answer = _ => (status, body);
        await using var broker = Broker.Connect($"amqp://127.0.0.1:1?management=http://127.0.0.1:{_port}");

        var e = await Assert.ThrowsAsync<RabbitMqManagementException>(async () => await broker.Admin!.GetGroupsAsync(null, default));

        Assert.Contains($"The RabbitMQ management API at http://127.0.0.1:{_port}/api/queues/%2F {expected}", e.Message, StringComparison.Ordinal);
        Assert.Equal(status == 200 ? null : (HttpStatusCode)status, e.StatusCode);
    }

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // closed by Dispose
            }

            var path = context.Request.RawUrl ?? string.Empty;
            lock (_requests)
            {
                _requests.Add((path, context.Request.Headers["Authorization"]));
            }

            var (status, body) = _answer(path);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
