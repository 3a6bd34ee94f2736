namespace Omnibus.Conformance;

/// <summary>Files of the repository the tests run from, for tests that hold code and documentation together.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the nearest folder above the test binaries holding Omnibus.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The text of the file at <paramref name="path"/> (segments below the root), with <c>\n</c> line ends.</summary>
    public static string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path])).ReplaceLineEndings("\n");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omnibus.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Omnibus.sln not found above " + AppContext.BaseDirectory);
    }
}
