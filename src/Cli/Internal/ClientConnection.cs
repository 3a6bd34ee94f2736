using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Omnibus.Cli.Internal;

/// <summary>
/// The <c>--connect</c> and <c>--token</c> options every client command takes, and the broker they name. The token goes
/// into <c>omnibus://</c> connection strings as <c>token=</c> and is masked in every message the CLI prints.
/// </summary>
internal sealed class ClientConnection
{
    public const string ConnectVariable = "OMNIBUS_CONNECT";
    public const string TokenVariable = "OMNIBUS_TOKEN";
    public const string LocalServer = "omnibus://127.0.0.1:7470";

    public static readonly Option<string?> ConnectOption = new("--connect", "-c")
    {
        Description = $"Connection string of any driver (embedded://dir, amqp://..., kafka://..., memory://). Default: ${ConnectVariable}, else {LocalServer} (a local 'omnibus server').",
        HelpName = "connection-string",
    };

    public static readonly Option<string?> TokenOption = new("--token")
    {
        Description = $"Access token for an omnibus:// server, sent as token=... (never printed). Default: ${TokenVariable}.",
    };

    private ClientConnection(string connectionString, string? token, bool isExplicit)
    {
        ConnectionString = connectionString;
        Token = token;
        IsExplicit = isExplicit;
    }

    /// <summary>The connection string to use, the token included.</summary>
    public string ConnectionString { get; }

    /// <summary>Whether the user named a broker (option or environment), rather than relying on the local-server default.</summary>
    public bool IsExplicit { get; }

    private string? Token { get; }

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public static void AddTo(Command command)
    {
        command.Options.Add(ConnectOption);
        command.Options.Add(TokenOption);
    }

    /// <summary>The connection from the command line, then the environment, then the default.</summary>
    public static ClientConnection From(ParseResult parse)
    {
        var given = parse.GetValue(ConnectOption) ?? NonEmpty(Environment.GetEnvironmentVariable(ConnectVariable));
        var token = parse.GetValue(TokenOption) ?? NonEmpty(Environment.GetEnvironmentVariable(TokenVariable));
        var connection = given ?? LocalServer;
        if (token is not null && connection.StartsWith("omnibus://", StringComparison.OrdinalIgnoreCase))
        {
            connection = WithOption(connection, "token", token);
        }

        return new ClientConnection(connection, token, given is not null);
    }

    /// <summary>A connection the CLI chose itself (no token).</summary>
    public static ClientConnection Of(string connectionString) => new(connectionString, null, isExplicit: true);

    /// <summary><paramref name="connection"/> with <c>name=value</c> added to its query.</summary>
    public static string WithOption(string connection, string name, string value) =>
        connection + (connection.Contains('?', StringComparison.Ordinal) ? "&" : "?") + name + "=" + Uri.EscapeDataString(value);

    /// <summary>
    /// This connection with the <c>qos</c> option when <paramref name="qos"/> is given; an error naming the scheme when its
    /// driver's option table has no qos option (an omnibus server's qos is set where it is started).
    /// </summary>
    public ClientConnection WithQos(int? qos)
    {
        if (qos is not { } level)
        {
            return this;
        }

        InputParsers.RequireRange("--qos", level, 0, 2);
        var (parsed, factory) = BrokerRegistry.Default.Resolve(ConnectionString);
        if (factory.Options.Find("qos") is null)
        {
            throw new CliUsageException($"--qos is not supported by the {parsed.Scheme}:// driver, which has no qos option; leave it out for {parsed.Scheme}://.");
        }

        return new ClientConnection(WithOption(ConnectionString, "qos", level.ToString(System.Globalization.CultureInfo.InvariantCulture)), Token, IsExplicit);
    }

    /// <summary>Creates the broker (no I/O yet); a bad connection string throws the core's <see cref="OmnibusConfigurationException"/>.</summary>
    public Broker Connect(ILoggerFactory loggerFactory) =>
        Broker.Connect(ConnectionString, new BrokerClientOptions { LoggerFactory = loggerFactory, Name = "omnibus-cli" });

    /// <summary><paramref name="text"/> with the token masked, so that no message or table shows it.</summary>
    public string Mask(string text) => MaskToken(text, Token);

    /// <summary>The connection string as shown to the user.</summary>
    public override string ToString() => Mask(ConnectionString);

    /// <summary><paramref name="text"/> with <paramref name="token"/> (raw and escaped) replaced by <c>***</c>.</summary>
    public static string MaskToken(string text, string? token) =>
        string.IsNullOrEmpty(token) ? text
        : text.Replace(Uri.EscapeDataString(token), "***", StringComparison.Ordinal).Replace(token, "***", StringComparison.Ordinal);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
