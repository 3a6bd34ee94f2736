namespace Omnibus.Tests.Architecture;

/// <summary>
/// The dependencies that must never exist (docs/architecture.md, which numbers the same rules). Each rule returns the
/// violations it finds as sentences naming the project, the item and the rule.
/// </summary>
public static class ArchitectureRules
{
    /// <summary>Broker client packages, by the driver folder that alone may reference them.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ClientPackages = new Dictionary<string, string[]>
    {
        ["Kafka"] = ["Confluent.Kafka", "librdkafka.redist"],
        ["RabbitMQ"] = ["RabbitMQ.Client"],
        ["Nats"] = ["NATS.Client", "NATS.Net", "NATS.Client.Core", "NATS.Client.JetStream"],
        ["Redis"] = ["StackExchange.Redis"],
        ["Sqs"] = ["AWSSDK.Core", "AWSSDK.SQS"],
        ["PubSub"] = ["Google.Apis.Auth", "Google.Cloud.PubSub.V1", "Grpc.Net.Client"],
    };

    private const string CoreProject = "src/Core/Core.csproj";
    private const string ProtocolProject = "src/Protocol/Protocol.csproj";

    private static readonly string[] FunctionsPrefixes = ["Microsoft.Azure.WebJobs", "Microsoft.Azure.Functions", "Microsoft.NET.Sdk.Functions"];
    private static readonly string[] CoreAllowedPrefixes = ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Configuration.Abstractions", "Microsoft.Extensions.Logging.Abstractions"];
    private static readonly string[] ServerSideFolders = ["src/Embedded/", "src/Protocol/", "src/Server/"];
    private static readonly string[] FunctionsFolders = ["src/Triggers/", "src/Bindings/"];
    private static readonly string[] FunctionsPackages = ["Omnibus.Triggers", "Omnibus.Bindings"];

    /// <summary>The isolated-worker package: Functions worker packages, no WebJobs code of ours.</summary>
    private static readonly string[] WorkerFolders = ["src/Worker/"];

    /// <summary>Every violation in <paramref name="projects"/>, which should be all of src/ and samples/.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<ProjectInfo> projects)
    {
        var folders = projects.Select(p => p.Folder).ToHashSet(StringComparer.Ordinal);
        var violations = new List<string>();
        foreach (var project in projects)
        {
            CheckPackages(project, violations);
            CheckProjectReferences(project, violations);
            CheckServerSide(project, violations);
            CheckSources(project, violations);
            CheckImports(project, folders, violations);
            CheckFrameworks(project, violations);
        }

        return violations;
    }

    /// <summary>
    /// Rules 1 to 3: the core references only the Microsoft.Extensions abstractions; a broker's client library only
    /// its driver; WebJobs/Functions only the bindings and samples.
    /// </summary>
    private static void CheckPackages(ProjectInfo project, List<string> violations)
    {
        var driver = DriverOf(project.Path);
        var isFunctions = IsUnder(project, FunctionsFolders) || IsUnder(project, WorkerFolders) || project.Path.StartsWith("samples/", StringComparison.Ordinal);
        foreach (var package in project.Packages)
        {
            var owner = ClientPackages.FirstOrDefault(kv => kv.Value.Contains(package, StringComparer.OrdinalIgnoreCase)).Key;
            if (owner is not null && owner != driver)
            {
                violations.Add($"{project.Path} references broker client {package}: only src/Drivers/{owner} may.");
            }

            if (!isFunctions && FunctionsPrefixes.Any(p => package.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                violations.Add($"{project.Path} references {package}: only src/Triggers, src/Bindings, src/Worker and samples may reference Functions/WebJobs.");
            }

            if (IsCore(project) && !CoreAllowedPrefixes.Contains(package, StringComparer.OrdinalIgnoreCase))
            {
                violations.Add($"{project.Path} references {package}: the core may reference only {string.Join(", ", CoreAllowedPrefixes)}.");
            }
        }
    }

    /// <summary>
    /// Rules 1, 4, 5 and 7: the core references no project; a driver only the core (the omnibus:// driver also the
    /// protocol, the wire format it shares with the server); the protocol only the core; the bindings no driver.
    /// </summary>
    private static void CheckProjectReferences(ProjectInfo project, List<string> violations)
    {
        var driver = DriverOf(project.Path);
        foreach (var reference in project.Projects)
        {
            if (IsCore(project))
            {
                violations.Add($"{project.Path} references project {reference}: the core references no other project.");
            }

            if (IsUnder(project, FunctionsFolders) && reference.StartsWith("src/Drivers/", StringComparison.Ordinal))
            {
                violations.Add($"{project.Path} references driver {reference}: the bindings reach brokers only through the connection-string registry.");
            }

            if (driver is not null && reference != CoreProject && !(driver == "Omnibus" && reference == ProtocolProject))
            {
                violations.Add($"{project.Path} references {reference}: a driver references only src/Core (the omnibus:// driver also src/Protocol).");
            }

            if (project.Path == ProtocolProject && reference != CoreProject)
            {
                violations.Add($"{project.Path} references {reference}: the protocol references only src/Core.");
            }
        }
    }

    /// <summary>
    /// Rule 6: the server side (Embedded, Protocol, Server) runs without the Functions host, so it references neither
    /// the bindings (as projects or packages) nor any Microsoft.Azure.* package.
    /// </summary>
    private static void CheckServerSide(ProjectInfo project, List<string> violations)
    {
        if (!IsUnder(project, ServerSideFolders))
        {
            return;
        }

        foreach (var reference in project.Projects.Where(r => FunctionsFolders.Any(f => r.StartsWith(f, StringComparison.Ordinal))))
        {
            violations.Add($"{project.Path} references {reference}: server-side projects (src/Embedded, src/Protocol, src/Server) reference neither src/Triggers nor src/Bindings.");
        }

        foreach (var package in project.Packages.Where(p => p.StartsWith("Microsoft.Azure.", StringComparison.OrdinalIgnoreCase) || FunctionsPackages.Contains(p, StringComparer.OrdinalIgnoreCase)))
        {
            violations.Add($"{project.Path} references {package}: server-side projects (src/Embedded, src/Protocol, src/Server) reference no Microsoft.Azure.* package and no bindings package.");
        }
    }

    /// <summary>
    /// Rule 8: a project compiles only the sources in its own folder. Compiling another project's files in makes two
    /// copies of its types (as the omnibus:// driver once did with the protocol); reference the project instead.
    /// </summary>
    private static void CheckSources(ProjectInfo project, List<string> violations)
    {
        foreach (var source in project.ForeignSources)
        {
            violations.Add($"{project.Path} compiles in {source}: a project compiles only the sources in its own folder; reference the project that owns them.");
        }
    }

    /// <summary>
    /// Rule 9: no project imports a file from another project's folder, and the core and the drivers, which ship as
    /// packages, import nothing outside their own folder (their build must not depend on another project's).
    /// </summary>
    private static void CheckImports(ProjectInfo project, IReadOnlySet<string> projectFolders, List<string> violations)
    {
        var selfContained = IsCore(project) || DriverOf(project.Path) is not null;
        foreach (var import in project.Imports.Where(i => !i.StartsWith(project.Folder, StringComparison.Ordinal)))
        {
            var owner = projectFolders.Where(f => f != project.Folder && import.StartsWith(f, StringComparison.Ordinal)).MaxBy(f => f.Length);
            if (owner is not null)
            {
                violations.Add($"{project.Path} imports {import}: no project imports a file from another project's folder ({owner}).");
            }
            else if (owner is null && selfContained)
            {
                violations.Add($"{project.Path} imports {import}: the core and the drivers import nothing outside their own folder.");
            }
        }
    }

    /// <summary>
    /// Rule 10: the core, the drivers and what drivers are built from (src/Embedded, src/Protocol) load into any host
    /// on the base runtime, so they have no FrameworkReference. Only src/Server (Kestrel) and apps use ASP.NET Core.
    /// </summary>
    private static void CheckFrameworks(ProjectInfo project, List<string> violations)
    {
        if (!IsCore(project) && DriverOf(project.Path) is null && !IsUnder(project, ["src/Embedded/", "src/Protocol/"]))
        {
            return;
        }

        foreach (var framework in project.Frameworks)
        {
            violations.Add($"{project.Path} has FrameworkReference {framework}: the core, the drivers, src/Embedded and src/Protocol reference no shared framework beyond the base runtime.");
        }
    }

    private static bool IsCore(ProjectInfo project) => project.Path.StartsWith("src/Core/", StringComparison.Ordinal);

    private static bool IsUnder(ProjectInfo project, string[] folders) =>
        folders.Any(f => project.Path.StartsWith(f, StringComparison.Ordinal));

    private static string? DriverOf(string path)
    {
        const string prefix = "src/Drivers/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : rest[..slash];
    }
}
