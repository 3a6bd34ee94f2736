using Omnibus.Conformance;

namespace Omnibus.Drivers.Sqs.Tests;

/// <summary>The driver's README carries the option table exactly as the driver declares it.</summary>
public sealed class SqsReadmeTests
{
    [Fact]
    public void Readme_OptionTable_IsTheDriversOwn()
    {
        var readme = RepositoryFiles.Read("src", "Drivers", "Sqs", "README.md");
        Assert.Contains(new SqsDriverFactory().Options.ToMarkdown(), readme, StringComparison.Ordinal);
    }
}
