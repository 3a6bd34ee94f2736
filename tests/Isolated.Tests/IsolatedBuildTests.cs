using System.Text.Json;

namespace Omnibus.Isolated.Tests;

/// <summary>What `dotnet build samples/FunctionApp.Isolated` writes for the Functions host (Worker.Sdk).</summary>
public sealed class IsolatedBuildTests
{
    private static readonly string Output = Repository.PathOf($"samples/FunctionApp.Isolated/bin/{Repository.Configuration}/net10.0");

    [Fact]
    public void FunctionsMetadata_HasBrokerTriggerAndBrokerBindings_WithTheAttributesProperties()
    {
        var functions = Read("functions.metadata").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);

        Assert.Equal(["DeadLetters", "ShipBatch", "ValidateOrder"], functions.Keys.Order());
        var validate = Bindings(functions["ValidateOrder"]);
        var trigger = Assert.Single(validate, b => b.GetProperty("type").GetString() == "brokerTrigger");
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
        Assert.Equal("orders", trigger.GetProperty("topic").GetString());
        Assert.Equal("Key", trigger.GetProperty("orderBy").GetString());
        Assert.Equal("One", trigger.GetProperty("cardinality").GetString());
        var output = Assert.Single(validate, b => b.GetProperty("type").GetString() == "broker");
        Assert.Equal("Out", output.GetProperty("direction").GetString());
        Assert.Equal("$return", output.GetProperty("name").GetString());
        Assert.Equal("%ShipmentsTopic%", output.GetProperty("topic").GetString());
        Assert.Equal("{CustomerId}", output.GetProperty("key").GetString());

        var batch = Assert.Single(Bindings(functions["ShipBatch"]), b => b.GetProperty("type").GetString() == "brokerTrigger");
        Assert.Equal("Many", batch.GetProperty("cardinality").GetString());
        Assert.Equal(10, batch.GetProperty("maxBatchSize").GetInt32());
    }

    [Fact]
    public void ExtensionsJson_NamesTheOmnibusWebJobsStartup_AndShipsItsAssembly()
    {
        var extensions = Read("extensions.json").GetProperty("extensions").EnumerateArray().ToList();

        var omnibus = Assert.Single(extensions, e => e.GetProperty("name").GetString() == "Omnibus");
        Assert.StartsWith("Omnibus.Bindings.OmnibusWebJobsStartup, Omnibus.Bindings,", omnibus.GetProperty("typeName").GetString(), StringComparison.Ordinal);
        var hint = omnibus.GetProperty("hintPath").GetString()!;
        Assert.True(File.Exists(Path.Combine(Output, hint)), $"{hint} is not in {Output}");
        foreach (var assembly in new[] { "Omnibus.Core.dll", "Omnibus.Triggers.dll", "Omnibus.Embedded.dll" })
        {
            Assert.True(File.Exists(Path.Combine(Output, ".azurefunctions", assembly)), $"{assembly} is not in the extension bundle");
        }
    }

    [Fact]
    public void HostJson_IsAtTheAppsRoot_WithTheBrokerSection()
    {
        var host = Read("host.json");

        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal(3, host.GetProperty("extensions").GetProperty("broker").GetProperty("maxDeliveryAttempts").GetInt32());
        Assert.True(File.Exists(Repository.PathOf("samples/FunctionApp.Isolated/host.json")));
    }

    private static List<JsonElement> Bindings(JsonElement function) => [.. function.GetProperty("bindings").EnumerateArray()];

    private static JsonElement Read(string file)
    {
        var path = Path.Combine(Output, file);
        Assert.True(File.Exists(path), $"{path} was not written by the sample's build");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
