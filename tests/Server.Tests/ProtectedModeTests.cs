namespace Omnibus.Server.Tests;

/// <summary>Safe by default: a server beyond loopback needs a token or an explicit AllowAnonymous (no port is bound here).</summary>
public sealed class ProtectedModeTests
{
    [Theory]
    [InlineData("0.0.0.0:7470", null)]
    [InlineData(null, "0.0.0.0:7471")]
    [InlineData("[::]:7470", null)]
    [InlineData("192.168.1.20:7470", null)]
    public void Validate_BeyondLoopbackWithoutToken_ThrowsNamingTheOptionAndBothRemedies(string? tcp, string? http)
    {
        var options = new OmnibusServerOptions { Tcp = tcp, Http = http };

        var error = Assert.Throws<OmnibusConfigurationException>(options.Validate);

        Assert.Contains(tcp is null ? "OmnibusServerOptions.Http" : "OmnibusServerOptions.Tcp", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a loopback address, and no token is set", error.Message, StringComparison.Ordinal);
        Assert.Contains("OmnibusServerOptions.Tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous = true", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:7470")]
    [InlineData("localhost:7470")]
    [InlineData("[::1]:7470")]
    public void Validate_LoopbackWithoutToken_IsAccepted(string tcp) =>
        new OmnibusServerOptions { Tcp = tcp, Http = null }.Validate();

    [Fact]
    public void Validate_BeyondLoopbackWithATokenOrAllowAnonymous_IsAccepted()
    {
        var withToken = new OmnibusServerOptions { Tcp = "0.0.0.0:7470", Http = "0.0.0.0:7471" };
        withToken.Tokens["s3cret"] = TokenGrant.All;
        withToken.Validate();

        new OmnibusServerOptions { Tcp = "0.0.0.0:7470", Http = "0.0.0.0:7471", AllowAnonymous = true }.Validate();
    }
}
