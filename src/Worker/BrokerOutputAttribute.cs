using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Omnibus.Worker;

/// <summary>
/// Publishes to <see cref="Topic"/> what the function returns (or the property of a multi-output class it marks):
/// a <see cref="string"/>, <see cref="byte"/>[], a POCO (JSON), a <see cref="BrokerMessage"/> (to set key and headers
/// per message), or an array of any of these for many messages. Published only when the function succeeded.
/// </summary>
/// <remarks>
/// Its binding type is <c>broker</c>, the in-process <c>Omnibus.Bindings.BrokerAttribute</c>, whose properties it
/// carries by name; every property takes binding expressions such as <c>{Key}</c> or <c>%Setting%</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.ReturnValue | AttributeTargets.Property | AttributeTargets.Method)]
public sealed class BrokerOutputAttribute : OutputBindingAttribute
{
    /// <summary>Publishes to <paramref name="topic"/>.</summary>
    public BrokerOutputAttribute(string topic) => Topic = topic;

    /// <summary>The topic to publish to.</summary>
    public string Topic { get; }

    /// <summary>The app setting holding the broker's connection string. Null: <c>OmnibusConnection</c>, then the extension's default.</summary>
    public string? Connection { get; set; }

    /// <summary>The key of every published message that does not set its own.</summary>
    public string? Key { get; set; }

    /// <summary>A correlation id written to the <c>correlation-id</c> header of every published message.</summary>
    public string? CorrelationId { get; set; }

    /// <summary>Headers for every published message, as <c>name=value</c> pairs separated by <c>;</c>.</summary>
    public string? Headers { get; set; }
}
