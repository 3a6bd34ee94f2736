using Microsoft.Extensions.Configuration;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Turns an attribute's <c>Connection</c> (the name of an app setting) into a connection string: the named
/// setting (or connection string); when no name is given, the <c>OmnibusConnection</c> setting; when that is
/// absent too, the extension's default connection.
/// </summary>
internal sealed class ConnectionResolver
{
    private readonly IConfiguration _configuration;
    private readonly string _defaultConnection;

    public ConnectionResolver(IConfiguration configuration, string defaultConnection)
    {
        _configuration = configuration;
        _defaultConnection = defaultConnection;
    }

    /// <exception cref="OmnibusConfigurationException">A setting was named but does not exist.</exception>
    public string Resolve(string? settingName)
    {
        if (!string.IsNullOrWhiteSpace(settingName))
        {
            var named = _configuration.GetConnectionStringOrSetting(settingName);
            return string.IsNullOrWhiteSpace(named)
                ? throw new OmnibusConfigurationException(
                    "Connection",
                    $"Connection = '{settingName}' names an app setting that does not exist: allowed is the name of an app setting or connection string holding a connection string such as 'memory://orders'.")
                : named;
        }

        var fallback = _configuration.GetConnectionStringOrSetting(BrokerTriggerDefaults.ConnectionSetting);
        return string.IsNullOrWhiteSpace(fallback) ? _defaultConnection : fallback;
    }

    /// <summary>The connection string with any password hidden, for logs and errors.</summary>
    public static string Redact(string connectionString)
    {
        try
        {
            return ConnectionString.Parse(connectionString).ToString();
        }
        catch (OmnibusConfigurationException)
        {
            return "(invalid connection string)";
        }
    }
}
