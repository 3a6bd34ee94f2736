using Microsoft.Extensions.Configuration;

namespace Omnibus.Triggers.Internal;

/// <summary>
/// Turns an attribute's <c>Connection</c> (the name of an app setting) into a connection string: the named
/// setting (or connection string); when no name is given, the <c>OmnibusConnection</c> setting; when that is
/// absent too, the extension's default connection.
/// </summary>
internal sealed class ConnectionResolver
{
    /// <summary>Set on every Azure Functions instance: its local disk is not where the user thinks an embedded broker keeps data.</summary>
    public const string HostedInstanceVariable = "WEBSITE_INSTANCE_ID";

    private readonly IConfiguration _configuration;
    private readonly string _defaultConnection;
    private readonly Action<string>? _onDefaultUsed;

    public ConnectionResolver(IConfiguration configuration, string defaultConnection, Action<string>? onDefaultUsed = null)
    {
        _configuration = configuration;
        _defaultConnection = defaultConnection;
        _onDefaultUsed = onDefaultUsed;
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
        if (!string.IsNullOrWhiteSpace(fallback))
        {
            return fallback;
        }

        if (_defaultConnection.StartsWith("embedded:", StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrEmpty(_configuration[HostedInstanceVariable] ?? Environment.GetEnvironmentVariable(HostedInstanceVariable)))
        {
            throw new OmnibusConfigurationException(
                BrokerTriggerDefaults.ConnectionSetting,
                $"No '{BrokerTriggerDefaults.ConnectionSetting}' app setting, and this is a hosted Azure Functions instance ({HostedInstanceVariable} is set): the default {_defaultConnection} broker would keep messages on this instance's local disk, which is neither shared nor kept. Add the app setting '{BrokerTriggerDefaults.ConnectionSetting}' with your broker's connection string (e.g. kafka://host:9092), or set Connection on the attribute.");
        }

        _onDefaultUsed?.Invoke(_defaultConnection);
        return _defaultConnection;
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
