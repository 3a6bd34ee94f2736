using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

// The WebJobs extension that the Functions host (or `omnibus func start`) loads for this package's bindings. Worker.Sdk
// writes it into the generated WorkerExtensions project; keep the version in step with Omnibus.Bindings.
[assembly: ExtensionInformation(Omnibus.Worker.WebJobsExtension.PackageId, Omnibus.Worker.WebJobsExtension.Version)]
