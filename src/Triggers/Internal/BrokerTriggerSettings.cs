namespace Omnibus.Triggers.Internal;

/// <summary>Everything one trigger resolved at indexing: what to subscribe to, where, and as which function.</summary>
internal sealed record BrokerTriggerSettings(string FunctionName, string ConnectionString, SubscriptionOptions Subscription)
{
    /// <summary>The connection string with any password hidden.</summary>
    public string RedactedConnection { get; } = ConnectionResolver.Redact(ConnectionString);
}
