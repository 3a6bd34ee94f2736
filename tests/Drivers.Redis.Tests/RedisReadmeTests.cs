namespace Omnibus.Drivers.Redis.Tests;

/// <summary>The driver's README carries the option table exactly as the code declares it.</summary>
public sealed class RedisReadmeTests
{
    [Fact]
    public void Readme_OptionTable_IsTheDeclaredOne()
    {
        // tests/Drivers.Redis.Tests/bin/<Configuration>/net10.0/ -> src/Drivers/Redis/README.md
        var readme = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Drivers/Redis/README.md"));
        var table = new RedisDriverFactory().Options.ToMarkdown();
        Assert.Contains(table, File.ReadAllText(readme).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
