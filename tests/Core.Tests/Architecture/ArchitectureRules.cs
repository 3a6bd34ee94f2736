namespace Omnibus.Tests.Architecture;

/// <summary>
/// The dependencies that must never exist (docs/architecture.md). Each rule returns the violations it finds as
/// sentences naming the project and the reference.
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

    private static readonly string[] FunctionsPrefixes = ["Microsoft.Azure.WebJobs", "Microsoft.Azure.Functions", "Microsoft.NET.Sdk.Functions"];
    private static readonly string[] CoreAllowedPrefixes = ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Configuration.Abstractions", "Microsoft.Extensions.Logging.Abstractions"];

    public static IReadOnlyList<string> Check(IReadOnlyList<ProjectInfo> projects)
    {
        var violations = new List<string>();
        foreach (var project in projects)
        {
            var driver = DriverOf(project.Path);
            var isCore = project.Path.StartsWith("src/Core/", StringComparison.Ordinal);
            var isFunctions = project.Path.StartsWith("src/Triggers/", StringComparison.Ordinal) || project.Path.StartsWith("src/Bindings/", StringComparison.Ordinal) || project.Path.StartsWith("samples/", StringComparison.Ordinal);

            foreach (var package in project.Packages)
            {
                var owner = ClientPackages.FirstOrDefault(kv => kv.Value.Contains(package, StringComparer.OrdinalIgnoreCase)).Key;
                if (owner is not null && owner != driver)
                {
                    violations.Add($"{project.Path} references broker client {package}: only src/Drivers/{owner} may.");
                }

                if (!isFunctions && FunctionsPrefixes.Any(p => package.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                {
                    violations.Add($"{project.Path} references {package}: only src/Triggers, src/Bindings and samples may reference Functions/WebJobs.");
                }

                if (isCore && !CoreAllowedPrefixes.Contains(package, StringComparer.OrdinalIgnoreCase))
                {
                    violations.Add($"{project.Path} references {package}: the core may reference only {string.Join(", ", CoreAllowedPrefixes)}.");
                }
            }

            foreach (var reference in project.Projects)
            {
                if (isCore)
                {
                    violations.Add($"{project.Path} references project {reference}: the core references no other project.");
                }

                if (isFunctions && !project.Path.StartsWith("samples/", StringComparison.Ordinal) && reference.StartsWith("src/Drivers/", StringComparison.Ordinal))
                {
                    violations.Add($"{project.Path} references driver {reference}: the bindings reach brokers only through the connection-string registry.");
                }

                if (driver is not null && reference != "src/Core/Core.csproj")
                {
                    violations.Add($"{project.Path} references {reference}: a driver references only src/Core.");
                }
            }
        }

        return violations;
    }

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
