using System.CommandLine;
using Omnibus.Cli.Internal;

namespace Omnibus.Cli.Commands;

/// <summary>
/// <c>omnibus options [scheme]</c>: every connection-string option of each installed driver, with its default and what is
/// allowed, read from the driver's own option table (the table each driver README carries).
/// </summary>
internal static class OptionsCommand
{
    private static readonly Argument<string?> Scheme = new("scheme") { Description = "Only this driver, e.g. kafka.", Arity = ArgumentArity.ZeroOrOne };

    public static Command Create()
    {
        var command = new Command("options", "List the connection-string options of each installed driver: default, allowed values, meaning.") { Scheme };
        command.SetAction(parse =>
        {
            var wanted = parse.GetValue(Scheme)?.TrimEnd(':', '/').ToLowerInvariant();
            var registry = BrokerRegistry.Default;
            var schemes = registry.Schemes.Where(s => wanted is null || s == wanted).ToArray();
            if (schemes.Length == 0)
            {
                throw new CliUsageException($"No driver is installed for scheme '{wanted}': installed are {string.Join(", ", registry.Schemes.Select(s => s + "://"))}.");
            }

            foreach (var scheme in schemes)
            {
                var (_, factory) = registry.Resolve(scheme + "://");
                Console.Out.WriteLine($"{scheme}://");
                CliTables.Write(
                    ["option", "default", "allowed", "what it does"],
                    factory.Options.Select(o => (IReadOnlyList<string>)[o.Name, o.Default ?? "-", o.Allowed, o.Description]));
                Console.Out.WriteLine();
            }
        });
        return command;
    }
}
