namespace Omnibus.Cli.Tests;

/// <summary>A throwaway directory, deleted on dispose; <see cref="Embedded"/> is a connection string for a broker stored in it.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("omnibus-cli-tests-").FullName;

    /// <summary><c>embedded://&lt;dir&gt;/data</c>.</summary>
    public string Embedded => "embedded://" + System.IO.Path.Combine(Path, "data");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
