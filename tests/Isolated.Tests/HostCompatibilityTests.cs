using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;

namespace Omnibus.Isolated.Tests;

/// <summary>
/// The Azure Functions host runs on .NET 8 and loads our WebJobs extension (and each driver) into its own process,
/// where Microsoft.Extensions.* and System.* resolve to the 8.0 assemblies it ships. An assembly of the extension's
/// closure compiled against a newer one fails there at run time, so none may reference one.
/// </summary>
public sealed class HostCompatibilityTests
{
    /// <summary>The highest assembly version of a framework assembly that the .NET 8 host provides.</summary>
    private static readonly Version HostVersion = new(8, 0, 0, 0);

    /// <summary>
    /// Drivers whose official client needs a newer framework assembly than the .NET 8 host has, so that they cannot be
    /// loaded by the Functions host yet (README, "Drivers"); they run in apps, the CLI and the local isolated host.
    /// <see cref="KnownIncompatibleDrivers_StillReferenceAboveTheHosts"/> fails once one of them no longer does.
    /// </summary>
    private static readonly Dictionary<string, string> KnownIncompatible = new(StringComparer.Ordinal)
    {
        ["Nats"] = "NATS.Client.Core/JetStream 3.x (the only versions served) reference System.Diagnostics.DiagnosticSource 9.0",
    };

    /// <summary>The libraries the host may load: the extension (its project references come along) and every driver but the known ones.</summary>
    private static IEnumerable<string> HostLoadedProjects() =>
        Drivers().Where(d => !KnownIncompatible.ContainsKey(d)).Select(DriverProject).Prepend(Repository.PathOf("src/Bindings/Bindings.csproj"));

    private static IEnumerable<string> Drivers() => Directory.EnumerateDirectories(Repository.PathOf("src/Drivers")).Select(d => Path.GetFileName(d)!);

    private static string DriverProject(string driver) => Repository.PathOf($"src/Drivers/{driver}/{driver}.csproj");

    [Fact]
    public void ExtensionClosure_ReferencesNoFrameworkAssemblyAboveTheHosts()
    {
        var assemblies = ClosureAssemblies(HostLoadedProjects()).ToList();
        var offending = Offending(assemblies);

        Assert.Contains(assemblies, a => Path.GetFileName(a) == "Omnibus.Bindings.dll");
        Assert.Contains(assemblies, a => Path.GetFileName(a) == "Microsoft.Azure.WebJobs.Host.dll");
        Assert.True(offending.Count == 0, $"The .NET 8 Functions host provides these at {HostVersion} at most:\n{string.Join('\n', offending)}");
    }

    [Theory]
    [InlineData("Nats")]
    public void KnownIncompatibleDrivers_StillReferenceAboveTheHosts(string driver)
    {
        Assert.Contains(driver, Drivers());
        var offending = Offending(ClosureAssemblies([DriverProject(driver)]).ToList());

        Assert.True(offending.Count > 0, $"{driver} no longer references anything above the host's {HostVersion} ({KnownIncompatible[driver]} was the reason): remove it from KnownIncompatible and from the README's note.");
    }

    private static List<string> Offending(List<string> assemblies)
    {
        var frameworkNames = SharedFrameworkAssemblyNames();
        return assemblies
            .SelectMany(path => References(path).Select(r => (Assembly: Path.GetFileName(path), Reference: r)))
            .Where(x => IsHostProvided(x.Reference.Name, frameworkNames) && x.Reference.Version > HostVersion)
            .Select(x => $"{x.Assembly} references {x.Reference.Name} {x.Reference.Version}")
            .Distinct().Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void Check_FindsAReferenceAboveTheHosts()
    {
        // This test assembly is net10.0, built against Microsoft.Extensions 10 and System.Runtime 10: the check must see it.
        var own = References(typeof(HostCompatibilityTests).Assembly.Location);

        Assert.Contains(own, r => r.Name == "System.Runtime" && r.Version > HostVersion);
    }

    private static bool IsHostProvided(string name, HashSet<string> frameworkNames) =>
        (name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || name.StartsWith("System.", StringComparison.Ordinal) || name == "System" || name == "netstandard")
        && frameworkNames.Contains(name);

    /// <summary>Our own net8.0 assemblies (from each project's obj, as compiled) and each package's runtime assemblies.</summary>
    private static IEnumerable<string> ClosureAssemblies(IEnumerable<string> projects)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in projects)
        {
            var assets = Path.Combine(Path.GetDirectoryName(project)!, "obj", "project.assets.json");
            Assert.True(File.Exists(assets), $"{assets} is missing: restore {project}");
            using var document = JsonDocument.Parse(File.ReadAllText(assets));
            var root = document.RootElement;
            var packageFolder = root.GetProperty("packageFolders").EnumerateObject().First().Name;
            var libraries = root.GetProperty("libraries");
            foreach (var library in root.GetProperty("targets").GetProperty("net8.0").EnumerateObject())
            {
                var info = libraries.GetProperty(library.Name);
                if (info.GetProperty("type").GetString() == "project")
                {
                    var name = library.Name.Split('/')[0];
                    var compiled = Path.Combine(Path.GetDirectoryName(Path.Combine(Path.GetDirectoryName(project)!, info.GetProperty("path").GetString()!))!, "obj", Repository.Configuration, "net8.0", name + ".dll");
                    if (seen.Add(compiled))
                    {
                        yield return compiled;
                    }

                    continue;
                }

                if (!library.Value.TryGetProperty("runtime", out var runtime))
                {
                    continue;
                }

                foreach (var file in runtime.EnumerateObject().Where(f => f.Name.EndsWith(".dll", StringComparison.Ordinal)))
                {
                    var path = Path.Combine(packageFolder, info.GetProperty("path").GetString()!, file.Name);
                    if (seen.Add(path))
                    {
                        yield return path;
                    }
                }
            }

            var own = Path.Combine(Path.GetDirectoryName(project)!, "obj", Repository.Configuration, "net8.0", AssemblyNameOf(project) + ".dll");
            if (seen.Add(own))
            {
                yield return own;
            }
        }
    }

    private static string AssemblyNameOf(string project) =>
        System.Xml.Linq.XDocument.Load(project).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(project);

    private static List<(string Name, Version Version)> References(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: build the project that makes it");
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        return [.. reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h)).Select(r => (reader.GetString(r.Name), r.Version))];
    }

    /// <summary>The names of the assemblies of the shared frameworks (Microsoft.NETCore.App, Microsoft.AspNetCore.App) the host runs on.</summary>
    private static HashSet<string> SharedFrameworkAssemblyNames()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!; // .../shared/Microsoft.NETCore.App/<version>
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(runtime))!;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var framework in new[] { "Microsoft.NETCore.App", "Microsoft.AspNetCore.App" })
        {
            var newest = Directory.EnumerateDirectories(Path.Combine(shared, framework)).Max(StringComparer.Ordinal)!;
            names.UnionWith(Directory.EnumerateFiles(newest, "*.dll").Select(Path.GetFileNameWithoutExtension)!);
        }

        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", names);
        return names;
    }
}
