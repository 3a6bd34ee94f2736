using Xunit;

namespace Omnibus.Tests.Architecture;

public sealed class ArchitectureTests
{
    private static readonly string Root = ProjectInfo.FindRepositoryRoot();

    [Fact]
    public void Repository_HasNoForbiddenDependency()
    {
        var projects = ProjectInfo.LoadRepository(Root);
        Assert.Contains(projects, p => p.Path == "src/Core/Core.csproj");
        Assert.Empty(ArchitectureRules.Check(projects));
    }

    [Fact]
    public void BindingsCode_NeverNamesADriverOrTheEmbeddedEngine()
    {
        // The bindings reference Omnibus.Embedded only so that the default broker ships with them; their code
        // must reach every broker, the embedded one included, through the connection-string registry.
        var offenders = new[] { "src/Triggers", "src/Bindings" }
            .Select(d => Path.Combine(Root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("Omnibus.Embedded", StringComparison.Ordinal) || text.Contains("Omnibus.Drivers.", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(offenders);
    }

    [Fact]
    public void Check_CoreFileWithBrokerClientAdded_IsViolation()
    {
        // The real Core.csproj, with a forbidden reference added, as a change would add it.
        var text = File.ReadAllText(Path.Combine(Root, "src/Core/Core.csproj"))
            .Replace("<ItemGroup>", "<ItemGroup>\n    <PackageReference Include=\"Confluent.Kafka\" />", StringComparison.Ordinal);
        var project = ProjectInfo.Parse(Root, Path.Combine(Root, "src/Core/Core.csproj"), text);
        var violations = ArchitectureRules.Check([project]);
        Assert.Contains(violations, v => v.Contains("broker client Confluent.Kafka", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadRepository_OmnibusDriverAndServer_ReadAsTheirFilesSay()
    {
        // Guards the reader itself: were it to read nothing, every rule would pass.
        var projects = ProjectInfo.LoadRepository(Root).ToDictionary(p => p.Path);
        var driver = projects["src/Drivers/Omnibus/Omnibus.csproj"];
        Assert.Equal(["src/Core/Core.csproj", "src/Protocol/Protocol.csproj"], driver.Projects.Order(StringComparer.Ordinal));
        Assert.Empty(driver.ForeignSources);
        Assert.Equal(["Microsoft.AspNetCore.App"], projects["src/Server/Server.csproj"].Frameworks);
    }

    [Theory]
    [InlineData("src/Core/Core.csproj", "Microsoft.Azure.WebJobs", "Functions/WebJobs")]
    [InlineData("src/Core/Core.csproj", "Polly.Core", "the core may reference only")]
    [InlineData("src/Embedded/Embedded.csproj", "RabbitMQ.Client", "only src/Drivers/RabbitMQ may")]
    [InlineData("src/Drivers/Kafka/Kafka.csproj", "RabbitMQ.Client", "only src/Drivers/RabbitMQ may")]
    [InlineData("src/Bindings/Bindings.csproj", "Confluent.Kafka", "only src/Drivers/Kafka may")]
    [InlineData("src/Drivers/Redis/Redis.csproj", "Microsoft.Azure.WebJobs", "Functions/WebJobs")]
    [InlineData("src/Server/Server.csproj", "Microsoft.Azure.Storage.Blobs", "no Microsoft.Azure.* package")]
    [InlineData("src/Embedded/Embedded.csproj", "Omnibus.Triggers", "no bindings package")]
    [InlineData("src/Protocol/Protocol.csproj", "Microsoft.Azure.WebJobs", "no Microsoft.Azure.* package")]
    public void Check_ForbiddenPackage_IsViolation(string project, string package, string expected)
    {
        var violations = ArchitectureRules.Check([new ProjectInfo(project, [package], [])]);
        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal) && v.Contains(project, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("src/Core/Core.csproj", "src/Embedded/Embedded.csproj", "the core references no other project")]
    [InlineData("src/Bindings/Bindings.csproj", "src/Drivers/Kafka/Kafka.csproj", "only through the connection-string registry")]
    [InlineData("src/Triggers/Triggers.csproj", "src/Drivers/Nats/Nats.csproj", "only through the connection-string registry")]
    [InlineData("src/Drivers/Kafka/Kafka.csproj", "src/Embedded/Embedded.csproj", "a driver references only src/Core")]
    [InlineData("src/Drivers/Kafka/Kafka.csproj", "src/Protocol/Protocol.csproj", "a driver references only src/Core")]
    [InlineData("src/Drivers/Omnibus/Omnibus.csproj", "src/Server/Server.csproj", "a driver references only src/Core")]
    [InlineData("src/Protocol/Protocol.csproj", "src/Embedded/Embedded.csproj", "the protocol references only src/Core")]
    [InlineData("src/Embedded/Embedded.csproj", "src/Triggers/Triggers.csproj", "reference neither src/Triggers nor src/Bindings")]
    [InlineData("src/Protocol/Protocol.csproj", "src/Bindings/Bindings.csproj", "reference neither src/Triggers nor src/Bindings")]
    [InlineData("src/Server/Server.csproj", "src/Bindings/Bindings.csproj", "reference neither src/Triggers nor src/Bindings")]
    public void Check_ForbiddenProjectReference_IsViolation(string project, string reference, string expected)
    {
        var violations = ArchitectureRules.Check([new ProjectInfo(project, [], [reference])]);
        Assert.Contains(violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_AllowedReferences_AreNotViolations()
    {
        var projects = new[]
        {
            new ProjectInfo("src/Drivers/Kafka/Kafka.csproj", ["Confluent.Kafka"], ["src/Core/Core.csproj"]),
            new ProjectInfo("src/Triggers/Triggers.csproj", ["Microsoft.Azure.WebJobs"], ["src/Core/Core.csproj"]),
            new ProjectInfo("src/Core/Core.csproj", ["Microsoft.Extensions.Logging.Abstractions"], []),
            new ProjectInfo("src/Drivers/Omnibus/Omnibus.csproj", [], ["src/Core/Core.csproj", "src/Protocol/Protocol.csproj"]),
            new ProjectInfo("src/Protocol/Protocol.csproj", [], ["src/Core/Core.csproj"]),
            new ProjectInfo("src/Bindings/Bindings.csproj", ["Microsoft.Azure.WebJobs"], ["src/Core/Core.csproj", "src/Triggers/Triggers.csproj", "src/Embedded/Embedded.csproj"]),
            new ProjectInfo("src/Server/Server.csproj", [], ["src/Core/Core.csproj", "src/Protocol/Protocol.csproj"]) { Frameworks = ["Microsoft.AspNetCore.App"] },
        };
        Assert.Empty(ArchitectureRules.Check(projects));
    }
}
