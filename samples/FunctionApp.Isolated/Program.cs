using Microsoft.Extensions.Hosting;

// The isolated worker: the host (Azure Functions, or `omnibus func start`) starts this process and drives it over gRPC.
new HostBuilder()
    .ConfigureFunctionsWorkerDefaults()
    .Build()
    .Run();
