using System.Diagnostics;
using System.Text;
using Omnibus.Conformance;

namespace Omnibus.Server.Http.Tests;

/// <summary>Debian's headless Chromium (package <c>chromium</c>), run as a child process per page.</summary>
internal static class Chromium
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>The chromium executable on PATH, or null.</summary>
    public static string? Path { get; } = Environment.GetEnvironmentVariable("PATH")?.Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => System.IO.Path.Combine(dir, "chromium"))
        .FirstOrDefault(File.Exists);

    /// <summary>The DOM after the page ran for <paramref name="virtualTime"/> of virtual time (timers advance at once, network waits pause it).</summary>
    public static async Task<string> DumpDomAsync(Uri url, TimeSpan virtualTime) =>
        (await RunAsync(url, virtualTime, "--dump-dom")).Stdout;

    /// <summary>Renders the page after <paramref name="virtualTime"/> into a PNG at <paramref name="png"/>.</summary>
    public static async Task ScreenshotAsync(Uri url, TimeSpan virtualTime, string png) =>
        await RunAsync(url, virtualTime, $"--screenshot={png}", "--window-size=1280,1400", "--hide-scrollbars");

    private static async Task<(string Stdout, string Stderr)> RunAsync(Uri url, TimeSpan virtualTime, params string[] mode)
    {
        var profile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "omnibus-chromium", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium)."))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
            "--no-first-run", "--user-data-dir=" + profile, $"--virtual-time-budget={(long)virtualTime.TotalMilliseconds}", .. mode, url.ToString()])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within {Timeout}: {await stderr}");
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium's helpers may still hold the profile; the OS temp cleaner removes it.
            }
        }

        var output = (await stdout, await stderr);
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {output.Item2}");
        return output;
    }
}

/// <summary>
/// A fact that needs Chromium: skipped with the reason where it is not installed, except in CI
/// (<see cref="TestEnvironment.IsCI"/>), where it runs and fails instead, since CI installs it (apt-get install chromium).
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
        {
            Skip = TestEnvironment.SkipUnlessCI("chromium is not on PATH: install Debian's package with 'apt-get install chromium' to run the dashboard tests.");
        }
    }
}
