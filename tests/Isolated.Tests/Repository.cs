namespace Omnibus.Isolated.Tests;

/// <summary>Paths of the repository these tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Omnibus.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of this test assembly (Debug or Release), which built the sample too.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>A file of the repository, by its path from the root.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omnibus.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Omnibus.sln above {AppContext.BaseDirectory}.");
    }
}
