using System.Xml.Linq;

namespace Omnibus.Tests.Architecture;

/// <summary>One project file: where it is (relative to the repository, '/' separated) and what it references.</summary>
public sealed record ProjectInfo(string Path, IReadOnlyList<string> Packages, IReadOnlyList<string> Projects)
{
    /// <summary>Reads a .csproj: its PackageReference names and its ProjectReference paths made repository-relative.</summary>
    public static ProjectInfo Load(string repositoryRoot, string csprojPath)
    {
        var xml = XDocument.Load(csprojPath);
        var directory = System.IO.Path.GetDirectoryName(csprojPath)!;
        string Relative(string path) => System.IO.Path.GetRelativePath(repositoryRoot, path).Replace('\\', '/');
        var packages = xml.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include")).OfType<string>().ToList();
        var projects = xml.Descendants("ProjectReference").Select(e => (string?)e.Attribute("Include")).OfType<string>()
            .Select(p => Relative(System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, p.Replace('\\', '/'))))).ToList();
        return new ProjectInfo(Relative(csprojPath), packages, projects);
    }

    /// <summary>Every project under src/ and samples/ of the repository.</summary>
    public static IReadOnlyList<ProjectInfo> LoadRepository(string root) =>
        new[] { "src", "samples" }.Select(d => System.IO.Path.Combine(root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
            .Select(p => Load(root, p)).ToList();

    /// <summary>The repository root: the nearest folder above the test binaries holding Omnibus.sln.</summary>
    public static string FindRepositoryRoot() => Omnibus.Conformance.RepositoryFiles.Root;
}
