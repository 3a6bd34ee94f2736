using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Omnibus.Server.Tests;

/// <summary>TLS on the TCP port with a self-signed certificate made by the test.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly string _pfx = Path.Combine(Path.GetTempPath(), $"omnibus-tls-{Guid.NewGuid():N}.pfx");
    private string _thumbprint = string.Empty;
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=omnibus-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllBytesAsync(_pfx, certificate.Export(X509ContentType.Pfx, "pw"));
        _thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        _server = await TestServer.StartAsync(o =>
        {
            o.CertificatePath = _pfx;
            o.CertificatePassword = "pw";
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_pfx);
    }

    [Theory]
    [InlineData("thumbprint")]
    [InlineData("insecure")]
    public async Task RoundTrip_OverTls_WithTrustedCertificate(string trust)
    {
        await using var client = _server.Connect(trust == "thumbprint" ? $"tls=true&tlsThumbprint={_thumbprint}" : "tls=true&tlsInsecure=true");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await client.SubscribeAsync(new SubscriptionOptions("secure", "g"), (m, _) => { received.TrySetResult(m.GetString()); return default; });
        await client.PublishAsync("secure", Message.FromString("over tls"));
        Assert.Equal("over tls", await received.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Publish_UntrustedCertificate_Fails()
    {
        await using var client = _server.Connect("tls=true&connectTimeout=5s");
        var error = await Assert.ThrowsAsync<PublishException>(async () => await client.PublishAsync("secure", Message.FromString("x")));
        Assert.IsAssignableFrom<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task Publish_PlainTextToTlsPort_FailsWithoutHurtingTheServer()
    {
        await using (var plain = _server.Connect("connectTimeout=2s"))
        {
            await Assert.ThrowsAsync<PublishException>(async () => await plain.PublishAsync("secure", Message.FromString("x")));
        }

        await using var client = _server.Connect("tls=true&tlsInsecure=true");
        await client.PublishAsync("secure", Message.FromString("still served"));
    }
}
