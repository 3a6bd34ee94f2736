using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omnibus.FunctionsHost;

/// <summary>One function of an isolated app, as its build wrote it to functions.metadata.</summary>
/// <param name="Name">The function name.</param>
/// <param name="ScriptFile">The assembly holding it, relative to the app folder.</param>
/// <param name="EntryPoint">The method, fully qualified.</param>
/// <param name="Bindings">Each binding's JSON object (name, type, direction, and the attribute's properties).</param>
public sealed record FunctionMetadata(string Name, string ScriptFile, string EntryPoint, IReadOnlyList<JsonObject> Bindings)
{
    /// <summary>The file name Worker.Sdk writes into the build output.</summary>
    public const string FileName = "functions.metadata";

    /// <summary>The trigger binding (direction In, type ending in Trigger).</summary>
    public JsonObject Trigger => Bindings.First(b => IsTrigger(b));

    /// <summary>Reads <see cref="FileName"/> of the app folder <paramref name="appDirectory"/>.</summary>
    /// <exception cref="OmnibusConfigurationException">The file is missing or is not function metadata.</exception>
    public static IReadOnlyList<FunctionMetadata> Load(string appDirectory)
    {
        var path = Path.Combine(appDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new OmnibusConfigurationException(path, $"{path} does not exist: build the isolated function app first (dotnet build); its build writes {FileName} into the output folder.");
        }

        try
        {
            var functions = JsonNode.Parse(File.ReadAllText(path))?.AsArray() ?? throw new JsonException("not an array");
            return [.. functions.Select(f => f!.AsObject()).Select(f => new FunctionMetadata(
                Required(f, "name"),
                Required(f, "scriptFile"),
                Required(f, "entryPoint"),
                [.. (f["bindings"]?.AsArray() ?? []).Select(b => b!.AsObject())]))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new OmnibusConfigurationException(path, $"{path} is not function metadata (a JSON array of functions with name, scriptFile, entryPoint and bindings): {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="binding"/> is a function's trigger.</summary>
    public static bool IsTrigger(JsonObject binding) =>
        Text(binding, "type")?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A binding property by name, ignoring case (Worker.Sdk writes camelCase; the host reads either).</summary>
    public static string? Text(JsonObject binding, string name) =>
        binding.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value is JsonValue value ? value.ToString() : null;

    private static string Required(JsonObject function, string name) =>
        Text(function, name) is { Length: > 0 } text ? text : throw new JsonException($"a function has no '{name}'");
}
