namespace Omnibus.Cli.Tests;

/// <summary>A throwaway directory, deleted on dispose; <see cref="Embedded"/> is a connection string for a broker stored in it.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("omnibus-cli-tests-").FullName;

    /// <summary><c>embedded://&lt;dir&gt;/data</c>.</summary>
    public string Embedded => "embedded://" + System.IO.Path.Combine(Path, "data");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A test class whose every test gets its own <see cref="TempDirectory"/>, deleted afterwards.</summary>
public abstract class TempDirectoryTests : IDisposable
{
    protected TempDirectory Dir { get; } = new();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
