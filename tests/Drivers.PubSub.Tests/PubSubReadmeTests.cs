namespace Omnibus.Drivers.PubSub.Tests;

/// <summary>The driver's README carries the option table exactly as the driver declares it.</summary>
public sealed class PubSubReadmeTests
{
    [Fact]
    public void Readme_OptionTable_IsTheDriversOwn()
    {
        var readme = File.ReadAllText(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Drivers/PubSub/README.md")));
        Assert.Contains(new PubSubDriverFactory().Options.ToMarkdown(), readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
