using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Hosting;
using Omnibus.Bindings;

[assembly: WebJobsStartup(typeof(OmnibusWebJobsStartup), "Omnibus")]

namespace Omnibus.Bindings;

/// <summary>
/// Lets the Azure Functions host (and any WebJobs host calling <c>UseExternalStartup()</c>) register the extension
/// on its own, from <c>[assembly: WebJobsStartup]</c>: a function app only references Omnibus.Bindings.
/// </summary>
public sealed class OmnibusWebJobsStartup : IWebJobsStartup
{
    /// <inheritdoc />
    public void Configure(IWebJobsBuilder builder) => builder.AddOmnibus();
}
