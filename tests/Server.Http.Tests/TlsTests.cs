using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Omnibus.Server.Http.Tests;

public sealed class TlsTests : IDisposable
{
    private const string Password = "test-pfx-password";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "omnibus-http-tls", Guid.NewGuid().ToString("N"));
    private readonly X509Certificate2 _certificate;
    private readonly string _pfx;

    public TlsTests()
    {
        Directory.CreateDirectory(_directory);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=omnibus-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _pfx = Path.Combine(_directory, "server.pfx");
        File.WriteAllBytes(_pfx, _certificate.Export(X509ContentType.Pfx, Password));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Https_ClientTrustingTheCertificate_Works()
    {
        await using var server = await StartAsync();

        Assert.Equal("https", server.Address.Scheme);
        Assert.Equal("ok", (await server.Client.GetJsonAsync("/health")).GetProperty("status").GetString());
        await server.Client.PublishAsync("secure", "x");
        Assert.Equal(1, (await server.Client.GetJsonAsync("/v1/topics/secure/messages")).GetArrayLength());
    }

    [Fact]
    public async Task PlainHttp_ToTheTlsPort_Fails()
    {
        await using var server = await StartAsync();
        using var plain = new HttpClient { Timeout = TestServer.Timeout };

        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new UriBuilder(server.Address) { Scheme = "http" }.Uri));
    }

    [Fact]
    public async Task Https_ClientNotTrustingTheCertificate_Fails()
    {
        await using var server = await StartAsync();
        using var untrusting = new HttpClient { Timeout = TestServer.Timeout };

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync(new Uri(server.Address, "/health")));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    private Task<TestServer> StartAsync() => TestServer.StartAsync(
        options =>
        {
            options.CertificatePath = _pfx;
            options.CertificatePassword = Password;
        },
        handler: () => new HttpClientHandler
        {
            // Trust exactly this certificate, nothing else.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _certificate.Thumbprint,
        });
}
