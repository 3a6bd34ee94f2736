using System.Text.Json;

namespace Omnibus.Cli.Tests;

/// <summary>What the driver tests of the CLI share: reading <c>--json</c> output, and creating a group before publishing.</summary>
internal static class CliJson
{
    /// <summary>The JSON that a command printed.</summary>
    public static JsonElement Parse(CliResult result) => JsonDocument.Parse(result.Stdout).RootElement;

    /// <summary>Runs <c>omnibus <paramref name="command"/> --json --connect <paramref name="connect"/></c>, expecting success.</summary>
    public static async Task<JsonElement> RunAsync(string connect, params string[] command) =>
        Parse((await CliProcess.RunAsync([.. command, "--json", "--connect", connect])).Expect(0));

    /// <summary>The one entry of a JSON list whose <paramref name="property"/> is <paramref name="value"/>.</summary>
    public static JsonElement Single(JsonElement list, string property, string value) =>
        Assert.Single(list.EnumerateArray(), e => e.GetProperty(property).GetString() == value);

    /// <summary>Creates <paramref name="group"/> on <paramref name="topic"/> in this process, before anything is published.</summary>
    public static async Task CreateGroupAsync(string connectionString, string topic, string group)
    {
        await using var broker = Broker.Connect(connectionString);
        await (await broker.OpenDeliveriesAsync(new SubscriptionOptions(topic, group))).DisposeAsync();
    }
}
