using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Omnibus.Cli.Internal;
using Omnibus.Drivers;
using Omnibus.Embedded;
using Omnibus.Server;

namespace Omnibus.Cli.Commands;

/// <summary><c>omnibus server</c>: the embedded engine served over the omnibus TCP protocol and HTTP until Ctrl+C or SIGTERM.</summary>
internal static class ServerCommand
{
    private static readonly Option<string?> Data = new("--data")
    {
        Description = $"Data directory of the embedded engine. Default: ${EmbeddedDriverFactory.DataDirectoryVariable}, else ./.omnibus.",
        HelpName = "dir",
    };

    private static readonly Option<string> Tcp = new("--tcp")
    {
        Description = "Where the TCP protocol listens: host:port (port 0 picks a free one), or 'off'.",
        DefaultValueFactory = _ => $"127.0.0.1:{OmnibusServerOptions.DefaultTcpPort}",
        HelpName = "host:port",
    };

    private static readonly Option<string> Http = new("--http")
    {
        Description = "Where the HTTP API, metrics and dashboard listen: host:port (port 0 picks a free one), or 'off'.",
        DefaultValueFactory = _ => $"127.0.0.1:{OmnibusServerOptions.DefaultHttpPort}",
        HelpName = "host:port",
    };

    private static readonly Option<string[]> Tokens = new("--token")
    {
        Description = "An access token, repeatable: name:token:pub=patterns:sub=patterns, patterns comma-separated (a topic, *, or a prefix ending in *), "
            + "e.g. ci:s3cret:pub=orders.*:sub=*. With any token, every client must present one. The name only labels it in logs.",
        HelpName = "name:token:pub=..:sub=..",
    };

    private static readonly Option<string?> TokensFile = new("--tokens-file")
    {
        Description = "Tokens from a JSON file: [{\"name\": \"ci\", \"token\": \"s3cret\", \"publish\": [\"orders.*\"], \"subscribe\": [\"*\"]}]; adds to --token.",
        HelpName = "json-file",
    };

    private static readonly Option<string?> Cert = new("--cert")
    {
        Description = "A .pfx or PEM certificate: both ports then speak TLS.",
        HelpName = "file",
    };

    private static readonly Option<string?> CertPassword = new("--cert-password")
    {
        Description = "The .pfx password, or the PEM key file. Default: $OMNIBUS_CERT_PASSWORD.",
    };

    private static readonly Option<bool> AllowAnonymous = new("--allow-anonymous")
    {
        Description = "Serve clients without a token on an address other than loopback (without it, and without --token, such a server refuses to start).",
    };

    private static readonly Option<int> Qos = new("--qos")
    {
        Description = "Delivery guarantee of the engine: 0 at most once, 1 at least once, 2 exactly once (publish dedupe by id).",
        DefaultValueFactory = _ => 1,
    };

    public static Command Create()
    {
        var command = new Command("server", "Host the embedded broker on a TCP protocol port and an HTTP port (loopback by default) until Ctrl+C.")
        {
            Data, Tcp, Http, Tokens, TokensFile, AllowAnonymous, Cert, CertPassword, Qos,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var options = new OmnibusServerOptions
        {
            Tcp = InputParsers.ParseListenAddress("--tcp", parse.GetRequiredValue(Tcp)),
            Http = InputParsers.ParseListenAddress("--http", parse.GetRequiredValue(Http)),
            CertificatePath = parse.GetValue(Cert),
            CertificatePassword = parse.GetValue(CertPassword) ?? Environment.GetEnvironmentVariable("OMNIBUS_CERT_PASSWORD"),
            AllowAnonymous = parse.GetValue(AllowAnonymous),
        };
        var specs = (parse.GetValue(Tokens) ?? []).Select(TokenSpecs.Parse).ToList();
        if (parse.GetValue(TokensFile) is { } file)
        {
            specs.AddRange(TokenSpecs.Load(file));
        }

        TokenSpecs.AddTo(options, specs);
        options.Validate();
        var qos = InputParsers.RequireRange("--qos", parse.GetValue(Qos), 0, 2);
        var data = Path.GetFullPath(parse.GetValue(Data) ?? EmbeddedDriverFactory.DefaultDataDirectory);

        using var loggerFactory = CliLogging.Create(LogLevel.Information, quietFramework: true);
        var logger = loggerFactory.CreateLogger("Omnibus.Cli.Server");
        await using var broker = Broker.Connect(
            ClientConnection.WithOption("embedded://" + data, "qos", qos.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new BrokerClientOptions { LoggerFactory = loggerFactory, Name = "server" });

        // The web host inside the server handles SIGTERM itself and marks it handled, which can keep the signal from
        // ending this command (it depends on handler order): take SIGTERM and SIGINT here too, so that either stops
        // everything. Registered before the ready line, so that a signal sent as soon as that appears is not lost.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // A second signal (or the command line's own handler) raced the end of this command: already stopping.
            }
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        // Open the engine now rather than on the first client: a data directory another process holds fails here, at start.
        var admin = broker.Admin ?? throw FeatureNotSupportedException.For(broker.Scheme, nameof(IBroker.Admin), "the server needs a broker it can inspect.");
        var topics = await admin.GetTopicsAsync(cancellationToken).ConfigureAwait(false);
        ServerLog.EngineOpen(logger, data, topics.Count);
        OmnibusServer server;
        try
        {
            server = await OmnibusServer.StartAsync(broker, options, loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"error: the server could not listen on --tcp {options.Tcp ?? "off"} --http {options.Http ?? "off"}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using var serving = server.ConfigureAwait(false);

        foreach (var spec in specs)
        {
            ServerLog.TokenAccepted(logger, spec.Name, string.Join(',', spec.Publish), string.Join(',', spec.Subscribe));
        }

        var endpoints = string.Join(" and ", new[] { server.ConnectionString, server.HttpAddress?.ToString() }.OfType<string>());
        await Console.Out.WriteLineAsync($"omnibus server: serving {data} (qos {qos}) on {endpoints}; Ctrl+C stops.").ConfigureAwait(false);
        await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: the normal way to stop. The usings close the server, then the engine.
            ServerLog.Stopping(logger);
        }

        return ExitCodes.Success;
    }
}
