namespace Omnibus.Drivers.Nats.Tests;

/// <summary>The driver's README carries the option table exactly as the driver declares it.</summary>
public sealed class NatsReadmeTests
{
    [Fact]
    public void Readme_OptionTable_IsTheDriversOwn()
    {
        var readme = File.ReadAllText(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Drivers/Nats/README.md")));
        Assert.Contains(new NatsDriverFactory().Options.ToMarkdown(), readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
