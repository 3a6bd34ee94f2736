using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Net.Sockets;
using Omnibus.Cli.Commands;
using Omnibus.Cli.Internal;

namespace Omnibus.Cli;

/// <summary>The <c>omnibus</c> command tree, and the one place where failures become messages and exit codes.</summary>
internal static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = CreateRootCommand();
        var parse = root.Parse(args);
        // Errors with --help asked for still show the help (the parse then carries the help action, not the error action).
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + error.Message).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult.Command)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // The token is masked in whatever is printed, including the core's own messages (which quote connection strings).
        var token = parse.GetValue(ClientConnection.TokenOption) ?? Environment.GetEnvironmentVariable(ClientConnection.TokenVariable);
        try
        {
            // Ctrl+C and SIGTERM cancel the command's token; a command then has this long to close cleanly.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
            return await parse.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (Exception e) when (ExitCodeOf(e) is { } code)
        {
            await Console.Error.WriteLineAsync("error: " + ClientConnection.MaskToken(Describe(e, BrokerOf(parse)), token)).ConfigureAwait(false);
            return code;
        }
    }

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("omnibus: host the embedded broker, publish, subscribe, inspect and benchmark any broker a connection string names.");
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(PubCommand.Create());
        root.Subcommands.Add(SubCommand.Create());
        root.Subcommands.Add(AdminCommands.CreateTopics());
        root.Subcommands.Add(AdminCommands.CreateGroups());
        root.Subcommands.Add(AdminCommands.CreatePeek());
        root.Subcommands.Add(DlqCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(OptionsCommand.Create());
        root.Subcommands.Add(FuncCommand.Create());
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new ExitCodesHelpAction((HelpAction)help.Action!);
        }

        return root;
    }

    private static int? ExitCodeOf(Exception e) => e switch
    {
        OperationCanceledException => ExitCodes.Interrupted,
        CliUsageException or OmnibusConfigurationException => ExitCodes.Usage,
        _ => ExitCodes.Failure,
    };

    /// <summary>The broker the command talks to, as shown to the user; null for commands without <c>--connect</c>.</summary>
    private static string? BrokerOf(ParseResult parse)
    {
        if (!parse.CommandResult.Command.Options.Contains(ClientConnection.ConnectOption))
        {
            return null;
        }

        try
        {
            return ConnectionString.Parse(ClientConnection.From(parse).ConnectionString).ToString();
        }
        catch (OmnibusConfigurationException)
        {
            return null; // the failure itself names the bad connection string
        }
    }

    private static string Describe(Exception e, string? broker)
    {
        if (e is CliUsageException or OmnibusConfigurationException)
        {
            return e.Message;
        }

        if (e is OperationCanceledException)
        {
            return "interrupted.";
        }

        // The transport's own failure says most about an unreachable broker: name it after the driver's summary.
        var cause = e;
        while (cause.InnerException is { } inner && cause is not SocketException)
        {
            cause = inner;
        }

        if (cause is SocketException && broker is not null)
        {
            // What a new user meets first: no server running. Say where the CLI looked and what to do about it.
            var what = ReferenceEquals(cause, e) ? cause.Message : $"{e.Message} ({cause.Message})";
            return $"the broker could not be reached at {broker}: {what}. " + (broker.StartsWith("omnibus://", StringComparison.OrdinalIgnoreCase)
                ? $"Is an omnibus server running there? Start one with 'omnibus server' (it listens on {ClientConnection.LocalServer["omnibus://".Length..]} by default), or name another broker with --connect <connection string> or ${ClientConnection.ConnectVariable}."
                : $"Is the broker running, and is the address right? Name another broker with --connect <connection string> or ${ClientConnection.ConnectVariable}.");
        }

        return cause is SocketException or IOException or TimeoutException && !ReferenceEquals(cause, e)
            ? $"the broker could not be reached: {e.Message} ({cause.Message})"
            : e.Message;
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? "omnibus" : c.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>The default help, then the exit codes under the root command's help.</summary>
    private sealed class ExitCodesHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            inner.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(ExitCodes.Description);
                parseResult.InvocationConfiguration.Output.WriteLine();
            }

            return ExitCodes.Success;
        }
    }
}
