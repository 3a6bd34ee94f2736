using Microsoft.Extensions.Logging;
using Omnibus.Drivers;
using Omnibus.Embedded.Internal.Engine;

[assembly: OmnibusDriver(typeof(Omnibus.Embedded.EmbeddedDriverFactory))]

namespace Omnibus.Embedded;

/// <summary>
/// Creates <c>embedded://[data-dir]</c> drivers: a durable broker running inside the process, storing topics as
/// segmented logs under the data directory (default: <see cref="DefaultDataDirectory"/>). Every connection
/// of a process to one directory shares one engine; another process cannot open the same directory (use the
/// <c>omnibus</c> server to share it).
/// </summary>
public sealed class EmbeddedDriverFactory : IBrokerDriverFactory
{
    /// <summary>The environment variable that overrides the default data directory.</summary>
    public const string DataDirectoryVariable = "OMNIBUS_DATA_DIR";

    /// <summary><c>$OMNIBUS_DATA_DIR</c> if set, else <c>.omnibus</c> in the current directory.</summary>
    public static string DefaultDataDirectory =>
        Environment.GetEnvironmentVariable(DataDirectoryVariable) is { Length: > 0 } dir ? dir : Path.Combine(Environment.CurrentDirectory, ".omnibus");

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["embedded"];

    /// <inheritdoc />
    public DriverOptionTable Options => EmbeddedSettings.Table;

    /// <inheritdoc />
    public IBrokerDriver Create(ConnectionString connectionString, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var settings = EmbeddedSettings.From(connectionString, DefaultDataDirectory);
        BrokerEngine.CheckCompatible(settings);
        return new EmbeddedDriver(settings, loggerFactory);
    }
}
