using Microsoft.Extensions.Logging;
using Omnibus.Drivers.Omnibus.Internal;

namespace Omnibus.Drivers.Omnibus;

/// <summary>
/// Creates <c>omnibus://</c> drivers, clients of an omnibus server (<c>omnibus serve</c>, or an in-process
/// <c>OmnibusServer</c>): <c>omnibus://[:token@]host[:port][?options]</c>, default port 7470. The token may also be
/// given as the <c>token</c> option; it is a secret and never appears in logs or <see cref="object.ToString"/>.
/// Features are those of the broker the server serves, learnt in the handshake.
/// </summary>
public sealed class OmnibusDriverFactory : IBrokerDriverFactory
{
    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["omnibus"];

    /// <inheritdoc />
    public DriverOptionTable Options => OmnibusSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return new OmnibusDriver(OmnibusSettings.Parse(connectionString), loggerFactory.CreateLogger<OmnibusDriver>());
    }
}
