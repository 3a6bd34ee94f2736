using Microsoft.Extensions.Hosting;

// The worker process that the local host starts and drives over gRPC.
new HostBuilder()
    .ConfigureFunctionsWorkerDefaults()
    .Build()
    .Run();
