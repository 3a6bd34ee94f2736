using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Omnibus.FunctionsHost;

/// <summary>
/// An isolated app's settings as the local host reads them: local.settings.json's Values (overridden by the
/// environment) for <c>%Setting%</c> and the connection, and host.json's extensions.broker for the defaults the
/// in-process extension takes from the same section.
/// </summary>
internal sealed partial class HostSettings
{
    private readonly Dictionary<string, string> _values;

    private HostSettings(Dictionary<string, string> values, JsonObject? broker)
    {
        _values = values;
        MaxConcurrency = Number(broker, "maxConcurrency", 1);
        MaxDeliveryAttempts = Number(broker, "maxDeliveryAttempts", 5);
        DeadLetterNaming = broker?["deadLetterTopic"]?.ToString();
        Backoff = new RetryBackoff
        {
            Initial = Time(broker, "backoffInitial") ?? RetryBackoff.Default.Initial,
            Max = Time(broker, "backoffMax") ?? RetryBackoff.Default.Max,
        };
    }

    /// <summary>The app settings, for the worker's environment.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>host.json extensions.broker.maxConcurrency, else 1.</summary>
    public int MaxConcurrency { get; }

    /// <summary>host.json extensions.broker.maxDeliveryAttempts, else 5.</summary>
    public int MaxDeliveryAttempts { get; }

    /// <summary>The retry backoff from host.json (backoffInitial, backoffMax).</summary>
    public RetryBackoff Backoff { get; }

    private string? DeadLetterNaming { get; }

    /// <summary>The broker's connection string: the OmnibusConnection setting, else embedded:// (the in-process default).</summary>
    public string Connection => _values.TryGetValue("OmnibusConnection", out var c) && c.Length > 0 ? c : "embedded://";

    /// <summary>Reads the settings of the app in <paramref name="appDirectory"/>.</summary>
    public static HostSettings Load(string appDirectory)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var local = Path.Combine(appDirectory, "local.settings.json");
        if (File.Exists(local) && JsonNode.Parse(File.ReadAllText(local))?["Values"] is JsonObject settings)
        {
            foreach (var (name, value) in settings)
            {
                values[name] = value?.ToString() ?? string.Empty;
            }
        }

        foreach (var name in values.Keys.ToList())
        {
            if (Environment.GetEnvironmentVariable(name) is { } overridden)
            {
                values[name] = overridden;
            }
        }

        var hostJson = Path.Combine(appDirectory, "host.json");
        var broker = File.Exists(hostJson) ? JsonNode.Parse(File.ReadAllText(hostJson))?["extensions"]?["broker"] as JsonObject : null;
        return new HostSettings(values, broker);
    }

    /// <summary>Replaces each <c>%Setting%</c> with its value.</summary>
    /// <exception cref="OmnibusConfigurationException">A named setting does not exist.</exception>
    public string Resolve(string text) => SettingPattern().Replace(text, m =>
        _values.TryGetValue(m.Groups[1].Value, out var value) || (Environment.GetEnvironmentVariable(m.Groups[1].Value) is { } env && (value = env) is not null)
            ? value!
            : throw new OmnibusConfigurationException(m.Groups[1].Value, $"The app setting '{m.Groups[1].Value}' (in '{text}') is not in local.settings.json's Values nor in the environment."));

    /// <summary>The dead-letter topic of <paramref name="topic"/> by host.json's naming (<c>{topic}.dlq</c>), else null (Core's default).</summary>
    public string? DeadLetterTopic(string topic) => DeadLetterNaming?.Replace("{topic}", topic, StringComparison.Ordinal);

    private static int Number(JsonObject? section, string name, int fallback) =>
        section?[name] is JsonValue v && int.TryParse(v.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    private static TimeSpan? Time(JsonObject? section, string name) =>
        section?[name] is JsonValue v && TimeSpan.TryParse(v.ToString(), CultureInfo.InvariantCulture, out var t) ? t : null;

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingPattern();
}
