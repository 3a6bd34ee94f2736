using System.Xml.Linq;

namespace Omnibus.Tests.Architecture;

/// <summary>
/// One project file: where it is (relative to the repository, '/' separated) and what it pulls in. Every path is
/// repository-relative and '/' separated, so that rules compare strings, not file systems.
/// </summary>
public sealed record ProjectInfo(string Path, IReadOnlyList<string> Packages, IReadOnlyList<string> Projects)
{
    /// <summary>
    /// The <c>Compile Include</c> patterns that reach outside the project's own folder, or that the test cannot
    /// resolve (see <see cref="Imports"/>), as written then.
    /// </summary>
    public IReadOnlyList<string> ForeignSources { get; init; } = [];

    /// <summary>
    /// The files of its <c>Import</c> elements. A path the test cannot resolve (a property other than
    /// <c>$(MSBuildThisFileDirectory)</c> or <c>$(MSBuildProjectDirectory)</c>) is kept as written. SDK imports
    /// (<c>Sdk="..."</c>) are no repository files and are left out.
    /// </summary>
    public IReadOnlyList<string> Imports { get; init; } = [];

    /// <summary>The names of its <c>FrameworkReference</c> items, e.g. <c>Microsoft.AspNetCore.App</c>.</summary>
    public IReadOnlyList<string> Frameworks { get; init; } = [];

    /// <summary>The folder holding the project file, with a trailing '/'.</summary>
    public string Folder => FolderOf(Path);

    /// <summary>Reads a .csproj from disk (see <see cref="Parse"/>).</summary>
    public static ProjectInfo Load(string repositoryRoot, string csprojPath) =>
        Parse(repositoryRoot, csprojPath, File.ReadAllText(csprojPath));

    /// <summary>
    /// Reads the text of a .csproj that lives (or would live) at <paramref name="csprojPath"/>: its PackageReference
    /// and FrameworkReference names, and its ProjectReference, Import and outside Compile paths made
    /// repository-relative. The file need not exist, so tests can feed made-up project files.
    /// </summary>
    public static ProjectInfo Parse(string repositoryRoot, string csprojPath, string text)
    {
        var xml = XDocument.Parse(text);
        var root = System.IO.Path.GetFullPath(repositoryRoot);
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(csprojPath))!;
        string Relative(string path) => System.IO.Path.GetRelativePath(root, path).Replace('\\', '/');
        string Resolve(string path) => ResolveProperties(path, directory) is { } expanded
            ? Relative(System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, expanded.Replace('\\', '/'))))
            : path;
        // By local name: an old-style file with the MSBuild XML namespace must not slip past the rules.
        IEnumerable<XElement> Elements(string name) => xml.Descendants().Where(e => e.Name.LocalName == name);
        IEnumerable<string> Includes(string element) =>
            Elements(element).Select(e => (string?)e.Attribute("Include")).OfType<string>()
                .SelectMany(i => i.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var path = Relative(System.IO.Path.GetFullPath(csprojPath));
        var folder = FolderOf(path);
        var projects = Includes("ProjectReference").Select(Resolve).ToList();
        var foreignSources = Includes("Compile").Select(Resolve)
            .Where(p => !p.StartsWith(folder, StringComparison.Ordinal)).ToList();
        var imports = Elements("Import").Where(e => e.Attribute("Sdk") is null)
            .Select(e => (string?)e.Attribute("Project")).OfType<string>()
            .Select(Resolve).ToList();
        return new ProjectInfo(path, Includes("PackageReference").ToList(), projects)
        {
            ForeignSources = foreignSources,
            Imports = imports,
            Frameworks = Includes("FrameworkReference").ToList(),
        };
    }

    /// <summary>Every project under src/ and samples/ of the repository.</summary>
    public static IReadOnlyList<ProjectInfo> LoadRepository(string root) =>
        new[] { "src", "samples" }.Select(d => System.IO.Path.Combine(root, d)).Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
            .Select(p => Load(root, p)).ToList();

    /// <summary>The repository root: the nearest folder above the test binaries holding Omnibus.sln.</summary>
    public static string FindRepositoryRoot() => Omnibus.Conformance.RepositoryFiles.Root;

    private static string FolderOf(string path) => path[..(path.LastIndexOf('/') + 1)];

    private static string? ResolveProperties(string path, string directory)
    {
        // The two properties that name the project's folder are all a project-local path needs; anything else
        // (GetPathOfFileAbove, custom properties) cannot be resolved here, stays as written, and counts as foreign.
        var expanded = path
            .Replace("$(MSBuildThisFileDirectory)", directory + "/", StringComparison.OrdinalIgnoreCase)
            .Replace("$(MSBuildProjectDirectory)", directory, StringComparison.OrdinalIgnoreCase);
        return expanded.Contains("$(", StringComparison.Ordinal) ? null : expanded;
    }
}
