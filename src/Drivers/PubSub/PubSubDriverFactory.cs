using Microsoft.Extensions.Logging;
using Omnibus.Drivers.PubSub.Internal;

namespace Omnibus.Drivers.PubSub;

/// <summary>
/// Creates <c>pubsub://</c> drivers for Google Cloud Pub/Sub over gRPC: <c>pubsub://&lt;project&gt;?options</c>, against
/// the service (application default credentials, or <c>credentials=</c> a service-account file) or an emulator
/// (<c>emulator=host:port</c>, or the <c>PUBSUB_EMULATOR_HOST</c> variable). A topic is the topic of the same id; a
/// group is a subscription read by StreamingPull. See <see cref="Options"/> and docs/drivers/pubsub.md.
/// </summary>
public sealed class PubSubDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [PubSubSettings.Scheme];

    /// <inheritdoc />
    public DriverOptionTable Options => PubSubSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var settings = PubSubSettings.Parse(connectionString, Environment.GetEnvironmentVariable(PubSubSettings.EmulatorHostVariable));
        return new PubSubDriver(settings, loggerFactory);
    }
}
