using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus;
using Omnibus.Bindings;
using Omnibus.Samples.FunctionApp;
using Omnibus.Server;

// Usage: dotnet run --project samples/FunctionApp [-- [--demo N] [--exit-when-idle] [--serve [--tcp H:P] [--http H:P] [--token T | --allow-anonymous]]]
//   --demo N          publish N demo orders at start (every fourth is invalid and ends in orders.dlq)
//   --exit-when-idle  stop once every published order has been handled (for scripts and CI)
//   --serve           expose the app's broker to other processes: omnibus:// on --tcp (default 127.0.0.1:7470) and
//                     the HTTP API and dashboard on --http (default 127.0.0.1:7471), so `omnibus pub orders ...` feeds it;
//                     beyond loopback it needs --token T (clients then present T, with every permission) or --allow-anonymous
// Lines typed or piped on standard input are published to 'orders'. Ctrl+C stops (draining in-flight work).
const string Usage = "Usage: dotnet run --project samples/FunctionApp [-- [--demo N] [--exit-when-idle] [--serve [--tcp host:port] [--http host:port] [--token T | --allow-anonymous]]]";
var demo = 0;
var exitWhenIdle = false;
OmnibusServerOptions? serve = null;
string? tcp = null;
string? http = null;
string? token = null;
var allowAnonymous = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--demo" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n >= 0:
            demo = n;
            i++;
            break;
        case "--exit-when-idle":
            exitWhenIdle = true;
            break;
        case "--serve":
            serve = new OmnibusServerOptions();
            break;
        case "--tcp" when i + 1 < args.Length:
            tcp = args[++i];
            break;
        case "--http" when i + 1 < args.Length:
            http = args[++i];
            break;
        case "--token" when i + 1 < args.Length:
            token = args[++i];
            break;
        case "--allow-anonymous":
            allowAnonymous = true;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage}");
            return 2;
    }
}

if (serve is null && ((tcp ?? http ?? token) is not null || allowAnonymous))
{
    Console.Error.WriteLine($"--tcp, --http, --token and --allow-anonymous go with --serve. {Usage}");
    return 2;
}

if (serve is not null)
{
    serve.Tcp = tcp ?? serve.Tcp;
    serve.Http = http ?? serve.Http;
    serve.AllowAnonymous = allowAnonymous;
    if (token is not null)
    {
        serve.Tokens[token] = TokenGrant.All;
    }

    try
    {
        serve.Validate(); // before the functions start: a server that may not listen is an error at once
    }
    catch (OmnibusConfigurationException e)
    {
        Console.Error.WriteLine($"error: --serve: {e.Message}");
        return 2;
    }
}

using var host = LocalFunctionsHost.Build(AppContext.BaseDirectory, typeof(OrderFunctions));
host.Services.ThrowIfOmnibusMissing(); // the WebJobs SDK would otherwise skip [BrokerTrigger] functions without a word
await host.StartAsync();

var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Omnibus.Samples.FunctionApp");
var configuration = host.Services.GetRequiredService<IConfiguration>();
var connection = configuration["OmnibusConnection"] ?? BrokerOptions.DefaultConnectionString;
await using var broker = Broker.Connect(connection);
// The functions' broker and this one share the process's engine (one per data directory); --serve lends it out.
await using var server = serve is null ? null : await OmnibusServer.StartAsync(broker, serve, host.Services.GetRequiredService<ILoggerFactory>());
if (server is not null)
{
    logger.LogInformation("Serving the app's broker to other processes at {TcpConnection} and {HttpAddress}", server.ConnectionString, server.HttpAddress);
}

var feeder = new Feeder(broker, logger);
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var stopping = lifetime.ApplicationStopping;

logger.LogInformation("Function app running on {Connection}. Type order JSON lines to publish them to 'orders', e.g. {Example}; Ctrl+C to stop", ConnectionString.Parse(connection).ToString(), """{"orderId":"o-1","customerId":"c-1","amount":12.5,"items":["book"]}""");
await feeder.PublishDemoOrdersAsync(demo, stopping);
// On its own thread: reading a redirected or terminal standard input blocks its caller (Console.In reads synchronously),
// and the main thread must stay free to stop the host on Ctrl+C or SIGTERM.
var input = Task.Run(() => feeder.PublishStandardInputAsync(stopping), CancellationToken.None);

if (exitWhenIdle)
{
    await input; // a script's input (or none) is part of the work
    await feeder.WaitUntilIdleAsync([("orders", "ValidateOrder"), (configuration["ShipmentsTopic"] ?? "shipments", "ShipBatch"), ("orders.dlq", "DeadLetters")], stopping);
    logger.LogInformation("Every published order has been handled; stopping");
    await host.StopAsync();
}
else
{
    // Standard input may end at once (closed or /dev/null): keep serving until Ctrl+C.
    await host.WaitForShutdownAsync();
}

return 0;
