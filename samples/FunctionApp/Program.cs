using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Omnibus;
using Omnibus.Bindings;
using Omnibus.Samples.FunctionApp;

// Usage: dotnet run --project samples/FunctionApp [-- [--demo N] [--exit-when-idle]]
//   --demo N          publish N demo orders at start (every fourth is invalid and ends in orders.dlq)
//   --exit-when-idle  stop once every published order has been handled (for scripts and CI)
// Lines typed or piped on standard input are published to 'orders'. Ctrl+C stops (draining in-flight work).
var demo = 0;
var exitWhenIdle = false;
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
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: dotnet run --project samples/FunctionApp [-- [--demo N] [--exit-when-idle]]");
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
var feeder = new Feeder(broker, logger);
var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
var stopping = lifetime.ApplicationStopping;

logger.LogInformation("Function app running on {Connection}. Type order JSON lines to publish them to 'orders', e.g. {Example}; Ctrl+C to stop", ConnectionString.Parse(connection).ToString(), """{"orderId":"o-1","customerId":"c-1","amount":12.5,"items":["book"]}""");
await feeder.PublishDemoOrdersAsync(demo, stopping);
var input = feeder.PublishStandardInputAsync(stopping);

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
