using System.Diagnostics;
using System.Text.Json;

namespace Omnibus.Bench.Server;

/// <summary>
/// The omnibus server (`omnibus server`, a child process, the embedded engine at a given qos) loaded by
/// `omnibus bench` over omnibus:// (another child process): the tool a user runs, measured as shipped.
/// </summary>
internal static class OmnibusScenarios
{
    public static async Task<LoadResult> RunAsync(int qos, int messages, int size)
    {
        var data = Directory.CreateTempSubdirectory("omnibus-bench-server-").FullName;
        var port = NatsServer.FreePort();
        using var server = Start("server", "--data", data, "--tcp", $"127.0.0.1:{port}", "--http", "off", "--qos", qos.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (ready is null || !ready.Contains($"omnibus://127.0.0.1:{port}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"omnibus server did not start: {ready} {await server.StandardError.ReadToEndAsync()}");
            }

            using var bench = Start("bench", "--connect", $"omnibus://127.0.0.1:{port}", "--messages", messages.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
            var output = await bench.StandardOutput.ReadToEndAsync();
            await bench.WaitForExitAsync();
            if (bench.ExitCode != 0)
            {
                throw new InvalidOperationException($"omnibus bench failed ({bench.ExitCode}): {output} {await bench.StandardError.ReadToEndAsync()}");
            }

            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            if (root.GetProperty("missing").GetInt64() != 0 || root.GetProperty("errors").GetInt64() != 0)
            {
                throw new InvalidOperationException("omnibus bench lost messages or saw errors: " + output);
            }

            return new LoadResult(
                $"omnibus QoS{qos} over TCP",
                root.GetProperty("publishPerSecond").GetDouble(),
                root.GetProperty("endToEndPerSecond").GetDouble(),
                root.GetProperty("p50Ms").GetDouble(),
                root.GetProperty("p99Ms").GetDouble());
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }

            Directory.Delete(data, recursive: true);
        }
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Tool());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("OMNIBUS_CONNECT");
        return Process.Start(start)!;
    }

    /// <summary>omnibus.dll as built beside this harness (same configuration), found from the repository root.</summary>
    private static string Tool()
    {
        var configuration = typeof(OmnibusScenarios).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Release";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omnibus.sln")))
            {
                var tool = Path.Combine(dir.FullName, "src", "Cli", "bin", configuration, "net10.0", "omnibus.dll");
                return File.Exists(tool) ? tool : throw new FileNotFoundException($"Build the CLI first: {tool} is missing.");
            }
        }

        throw new DirectoryNotFoundException("Run the harness from the repository (Omnibus.sln not found above it).");
    }
}
