namespace Omnibus.Cli.Internal;

/// <summary>Whether a broker's admin lists every topic it holds, so that a topic missing from the list does not exist.</summary>
internal static class TopicListing
{
    /// <summary>
    /// True for the embedded engine (embedded://, an omnibus server) and Kafka (the cluster's metadata), and for amqp://
    /// with the <c>management</c> option; plain AMQP cannot list, so amqp:// without it lists only what this process touched.
    /// </summary>
    public static bool IsComplete(string connectionString)
    {
        var parsed = ConnectionString.Parse(connectionString);
        return parsed.Scheme.ToLowerInvariant() switch
        {
            "embedded" or "omnibus" or "kafka" => true,
            "amqp" or "amqps" => parsed.Get("management") is not null,
            _ => false,
        };
    }
}
