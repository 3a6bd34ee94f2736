namespace Omnibus.Worker;

/// <summary>The WebJobs extension package that serves this package's bindings in the host.</summary>
public static class WebJobsExtension
{
    /// <summary>Its package id.</summary>
    public const string PackageId = "Omnibus.Bindings";

    /// <summary>Its version, as packed from src/Bindings (see docs/isolated-worker.md on versions).</summary>
    public const string Version = "0.1.0";
}
