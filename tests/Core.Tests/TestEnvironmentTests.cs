using Omnibus.Conformance;
using Xunit;

namespace Omnibus.Tests;

/// <summary>The one rule by which every test project decides whether a missing server or tool fails (CI) or skips.</summary>
public sealed class TestEnvironmentTests
{
    [Theory]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("True")]
    [InlineData("1")]
    [InlineData("yes")]
    [InlineData("YES")]
    [InlineData(" true ")]
    [InlineData("github-actions")]
    public void MeansCI_TheSpellingsOfCISystems_AreCI(string value) => Assert.True(TestEnvironment.MeansCI(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("FALSE")]
    [InlineData("no")]
    [InlineData("off")]
    public void MeansCI_UnsetEmptyOrAnExplicitNo_IsNotCI(string? value) => Assert.False(TestEnvironment.MeansCI(value));

    [Fact]
    public void Unavailable_FailsInCIAndSkipsElsewhere()
    {
        var error = TestEnvironment.Unavailable("no server");

        // The conformance test case turns only ServerUnavailableException into a skip: in CI the fixture must fail.
        Assert.Equal(TestEnvironment.IsCI, error is not Omnibus.Conformance.Xunit.ServerUnavailableException);
        Assert.Contains("no server", error.Message, StringComparison.Ordinal);
        Assert.Equal(TestEnvironment.IsCI ? null : "why", TestEnvironment.SkipUnlessCI("why"));
    }
}
