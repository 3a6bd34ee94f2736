using System.Globalization;
using System.Text.Json.Nodes;

namespace Omnibus.FunctionsHost;

/// <summary>
/// A broker-triggered function of an isolated app: its subscription (from the trigger binding, host.json's
/// extensions.broker and the app settings) and its broker outputs. Any other binding is refused at start.
/// </summary>
internal sealed record BrokerFunction(FunctionMetadata Metadata, string TriggerParameter, SubscriptionOptions Subscription, bool IsBatched, IReadOnlyList<JsonObject> Outputs)
{
    /// <summary>Reads every function of <paramref name="functions"/>.</summary>
    /// <exception cref="OmnibusConfigurationException">A function has a binding this host cannot serve, named with a pointer to Core Tools.</exception>
    public static IReadOnlyList<BrokerFunction> From(IReadOnlyList<FunctionMetadata> functions, HostSettings settings)
    {
        var unsupported = functions
            .SelectMany(f => f.Bindings.Where(b => !IsBroker(b)).Select(b => $"{f.Name} ({FunctionMetadata.Text(b, "type")})"))
            .ToList();
        if (unsupported.Count > 0)
        {
            throw new OmnibusConfigurationException("bindings", $"omnibus func start serves brokerTrigger and broker bindings only; these functions have others: {string.Join(", ", unsupported)}. Run such an app with Azure Functions Core Tools (func start).");
        }

        return [.. functions.Select(f => Create(f, settings))];
    }

    private static bool IsBroker(JsonObject binding) =>
        FunctionMetadata.Text(binding, "type") is "brokerTrigger" or "broker";

    private static BrokerFunction Create(FunctionMetadata function, HostSettings settings)
    {
        var triggers = function.Bindings.Where(FunctionMetadata.IsTrigger).ToList();
        if (triggers.Count != 1)
        {
            throw new OmnibusConfigurationException(function.Name, $"Function {function.Name} has {triggers.Count} triggers; a function has exactly one.");
        }

        var trigger = triggers[0];
        string? Text(string name) => FunctionMetadata.Text(trigger, name) is { } value ? settings.Resolve(value) : null;
        int Number(string name, int fallback) => int.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
        var batched = string.Equals(Text("cardinality"), "Many", StringComparison.OrdinalIgnoreCase);
        var topic = Text("topic") ?? throw new OmnibusConfigurationException(function.Name, $"Function {function.Name}: its brokerTrigger has no topic.");
        var subscription = new SubscriptionOptions(topic, Text("group") ?? function.Name)
        {
            Concurrency = Number("maxConcurrency", settings.MaxConcurrency),
            MaxDeliveryAttempts = Number("maxDeliveryAttempts", settings.MaxDeliveryAttempts),
            DeadLetterTopic = Text("deadLetterTopic") ?? settings.DeadLetterTopic(topic),
            StartFrom = Text("startFrom") is not { } start ? StartPosition.Default
                : Enum.TryParse<StartPosition>(start, ignoreCase: true, out var from) && Enum.IsDefined(from) ? from
                : throw new OmnibusConfigurationException("startFrom", $"Function {function.Name}: startFrom '{start}' is not a start position; allowed: Earliest, Latest, Default."),
            Ordering = string.Equals(Text("orderBy"), "Key", StringComparison.OrdinalIgnoreCase) ? MessageOrdering.ByKey : MessageOrdering.None,
            Backoff = settings.Backoff,
            Batch = batched
                ? new BatchOptions { MaxSize = Number("maxBatchSize", 100), MaxWait = Text("maxBatchWait") is { } wait ? TimeSpan.Parse(wait, CultureInfo.InvariantCulture) : TimeSpan.FromMilliseconds(100) }
                : BatchOptions.Default,
        };
        subscription.Validate();
        var outputs = function.Bindings.Where(b => FunctionMetadata.Text(b, "type") == "broker").ToList();
        return new BrokerFunction(function, FunctionMetadata.Text(trigger, "name")!, subscription, batched, outputs);
    }
}
