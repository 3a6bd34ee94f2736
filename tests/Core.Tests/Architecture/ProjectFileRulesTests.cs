using Xunit;

namespace Omnibus.Tests.Architecture;

/// <summary>
/// Made-up project files read by <see cref="ProjectInfo.Parse"/> and checked by <see cref="ArchitectureRules"/>: the
/// items that once let a project around the rules (Compile, Import, FrameworkReference) are seen and reported.
/// </summary>
public sealed class ProjectFileRulesTests
{
    // A root that does not exist: the reader only computes paths, so nothing here touches the disk.
    private const string Root = "/repo";

    [Theory]
    [InlineData("src/Drivers/Nats/Nats.csproj", "../Other/**/*.cs", "src/Drivers/Other/**/*.cs")]
    [InlineData("src/Drivers/Omnibus/Omnibus.csproj", "../../Protocol/**/*.cs", "src/Protocol/**/*.cs")]
    [InlineData("src/Server/Server.csproj", "../Core/Message.cs", "src/Core/Message.cs")]
    [InlineData("samples/FunctionApp/FunctionApp.csproj", "$(MSBuildThisFileDirectory)../../src/Core/*.cs", "src/Core/*.cs")]
    [InlineData("src/Core/Core.csproj", "$(SharedSources)/*.cs", "$(SharedSources)/*.cs")]
    public void Check_CompileIncludeOutsideTheProjectFolder_IsViolation(string path, string include, string reported)
    {
        var project = Parse(path, $"""<ItemGroup><Compile Include="{include}" Exclude="../Other/obj/**" LinkBase="Other" /></ItemGroup>""");

        var violation = Assert.Single(ArchitectureRules.Check([project]));

        Assert.Contains($"{path} compiles in {reported}", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CompileIncludeInTheProjectFolder_IsNotViolation()
    {
        var project = Parse("src/Drivers/Nats/Nats.csproj", """<ItemGroup><Compile Include="Generated/**/*.cs;$(MSBuildProjectDirectory)/Extra.cs" /></ItemGroup>""");

        Assert.Empty(project.ForeignSources);
        Assert.Empty(ArchitectureRules.Check([project]));
    }

    [Fact]
    public void Parse_OldStyleFileWithMsBuildNamespace_StillSeesItsItems()
    {
        var text = """
            <Project xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
              <Import Project="../Kafka/Native.props" />
              <ItemGroup><Compile Include="../Other/*.cs" /><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>
            </Project>
            """;

        var project = ProjectInfo.Parse(Root, $"{Root}/src/Drivers/Nats/Nats.csproj", text);

        Assert.Equal(["src/Drivers/Other/*.cs"], project.ForeignSources);
        Assert.Equal(["src/Drivers/Kafka/Native.props"], project.Imports);
        Assert.Equal(["Microsoft.AspNetCore.App"], project.Frameworks);
    }

    [Theory]
    [InlineData("src/Drivers/RabbitMQ/RabbitMQ.csproj", "../Kafka/Native.props", "from another project's folder (src/Drivers/Kafka/)")]
    [InlineData("src/Cli/Cli.csproj", "../Drivers/Kafka/Native.props", "from another project's folder (src/Drivers/Kafka/)")]
    [InlineData("src/Cli/Cli.csproj", "../Drivers/Kafka/KafkaNative.props", "from another project's folder (src/Drivers/Kafka/)")] // once tolerated for the stand-in librdkafka feed, now a violation like any other
    [InlineData("samples/FunctionApp/FunctionApp.csproj", "../../src/Core/Build.targets", "from another project's folder (src/Core/)")]
    [InlineData("src/Core/Core.csproj", "../../build/Common.targets", "import nothing outside their own folder")]
    [InlineData("src/Drivers/RabbitMQ/RabbitMQ.csproj", "$([MSBuild]::GetPathOfFileAbove('Common.props', '$(MSBuildThisFileDirectory)../'))", "import nothing outside their own folder")]
    public void Check_ImportOfAnotherProjectsFile_IsViolation(string path, string import, string expected)
    {
        var project = Parse(path, $"""<Import Project="{import}" />""");

        var violations = ArchitectureRules.Check([project, .. Owners()]);

        Assert.Contains(violations, v => v.StartsWith($"{path} imports", StringComparison.Ordinal) && v.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("src/Drivers/Kafka/Kafka.csproj", "Native.props")]
    [InlineData("src/Drivers/Kafka/Kafka.csproj", "$(MSBuildThisFileDirectory)build/Native.targets")]
    [InlineData("src/Cli/Cli.csproj", "../../build/Common.props")]
    public void Check_ImportOfOwnOrSharedFile_IsNotViolation(string path, string import)
    {
        // Own files always; a file outside every project for apps.
        var project = Parse(path, $"""<Import Project="{import}" /><Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />""");

        Assert.Empty(ArchitectureRules.Check([project, .. Owners()]));
    }

    [Theory]
    [InlineData("src/Core/Core.csproj")]
    [InlineData("src/Drivers/Kafka/Kafka.csproj")]
    [InlineData("src/Embedded/Embedded.csproj")]
    [InlineData("src/Protocol/Protocol.csproj")]
    public void Check_FrameworkReferenceOnDriverSide_IsViolation(string path)
    {
        var project = Parse(path, """<ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>""");

        var violation = Assert.Single(ArchitectureRules.Check([project]));

        Assert.Contains($"{path} has FrameworkReference Microsoft.AspNetCore.App", violation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("src/Server/Server.csproj")]
    [InlineData("src/Cli/Cli.csproj")]
    public void Check_FrameworkReferenceOnServerOrApp_IsNotViolation(string path)
    {
        var project = Parse(path, """<ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>""");

        Assert.Empty(ArchitectureRules.Check([project]));
    }

    private static ProjectInfo Parse(string path, string body) =>
        ProjectInfo.Parse(Root, $"{Root}/{path}", $"""<Project Sdk="Microsoft.NET.Sdk">{body}</Project>""");

    /// <summary>Projects whose folders the imports above point into; the rule knows project folders from the list.</summary>
    private static ProjectInfo[] Owners() =>
        [new("src/Drivers/Kafka/Kafka.csproj", [], ["src/Core/Core.csproj"]), new("src/Core/Core.csproj", [], [])];
}
