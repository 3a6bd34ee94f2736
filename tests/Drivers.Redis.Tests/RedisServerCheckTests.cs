using System.Diagnostics;
using System.Globalization;
using Omnibus.Conformance.Servers;
using Omnibus.Conformance;
using Omnibus.Conformance.Xunit;

namespace Omnibus.Drivers.Redis.Tests;

/// <summary>
/// What only the server can tell, rejected at subscribe (and publish) with the setting named: a Cluster node, a replica,
/// refused credentials, a database out of range, a topic key of another type. And what it accepts: ACL users, TLS.
/// Each test runs its own redis-server.
/// </summary>
public sealed class RedisServerCheckTests
{
    private static SubscriptionOptions Options(string topic = "t") => new(topic, "g");

    [ConformanceFact]
    public async Task Subscribe_ClusterNode_RejectedAsConfiguration()
    {
        await using var node = await StartAsync("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
        await using var broker = Broker.Connect(node.ConnectionString());
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeAsync(Options(), (_, _) => default));
        Assert.Equal("host", e.Setting);
        Assert.Contains("Cluster", e.Message, StringComparison.Ordinal);
        var publish = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.PublishAsync("t", Message.FromString("x")));
        Assert.Equal("host", publish.Setting);
    }

    [ConformanceFact]
    public async Task Subscribe_Replica_RejectedAsConfiguration()
    {
        await using var primary = await StartAsync();
        await using var replica = await StartAsync("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        await using var broker = Broker.Connect(replica.ConnectionString());
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeAsync(Options(), (_, _) => default));
        Assert.Equal("host", e.Setting);
        Assert.Contains("replica", e.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Subscribe_WrongPassword_RejectedAsConfiguration_RightOneAndAclUserWork()
    {
        await using var server = await StartAsync("--requirepass", "s3cret");
        await server.CliAsync("-a", "s3cret", "--no-auth-warning", "ACL", "SETUSER", "app", "on", ">app-pass", "~*", "&*", "+@all");
        var url = $"127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}";
        await using (var wrong = Broker.Connect($"redis://:nope@{url}"))
        {
            var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await wrong.SubscribeAsync(Options(), (_, _) => default));
            Assert.Equal("password", e.Setting);
            Assert.DoesNotContain("nope", e.Message, StringComparison.Ordinal);
        }

        foreach (var credentials in new[] { ":s3cret", "app:app-pass" })
        {
            await using var broker = Broker.Connect($"redis://{credentials}@{url}");
            var seen = new Recorder<Message>();
            await using var sub = await broker.SubscribeAsync(Options("secured"), (m, _) => { seen.Add(m); return default; });
            await broker.PublishAsync("secured", Message.FromString(credentials));
            await seen.WaitUntilAsync(items => items.Any(m => m.GetString() == credentials), TimeSpan.FromSeconds(10), "the message published with " + credentials);
        }
    }

    [ConformanceFact]
    public async Task Subscribe_DatabaseOutOfRange_RejectedAsConfiguration()
    {
        await using var server = await StartAsync("--databases", "4");
        await using var broker = Broker.Connect(server.ConnectionString().Replace("?", string.Empty, StringComparison.Ordinal) + "/7");
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeAsync(Options(), (_, _) => default));
        Assert.Equal("database", e.Setting);
    }

    [ConformanceFact]
    public async Task Subscribe_TopicKeyHoldsAString_RejectedAsConfiguration()
    {
        await using var server = await StartAsync();
        await server.CliAsync("SET", "app-config", "not a stream");
        await using var broker = Broker.Connect(server.ConnectionString());
        var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await broker.SubscribeAsync(Options("app-config"), (_, _) => default));
        Assert.Equal("topic", e.Setting);
        Assert.Contains("app-config", e.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task Rediss_TlsServer_RoundTrip_AndUntrustedCertificateRefusedWithoutTheTestOption()
    {
        var keys = Directory.CreateTempSubdirectory("omnibus-redis-tls-").FullName;
        try
        {
            await RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", Path.Combine(keys, "key.pem"), "-out", Path.Combine(keys, "cert.pem"));
            // The plain port stays for redis-cli's readiness check; the driver talks TLS only.
            var tlsPort = LoopbackPort.Free();
            await using var server = await StartAsync("--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", Path.Combine(keys, "cert.pem"),
                "--tls-key-file", Path.Combine(keys, "key.pem"), "--tls-auth-clients", "no");
            var url = $"rediss://127.0.0.1:{tlsPort.ToString(CultureInfo.InvariantCulture)}";
            // A generous connectTimeout: at load average 45 the default 5 s once ran out before the handshake refused the certificate.
            await using (var untrusted = Broker.Connect(url + "?connectTimeout=30s"))
            {
                var e = await Assert.ThrowsAsync<OmnibusConfigurationException>(async () => await untrusted.SubscribeAsync(Options(), (_, _) => default));
                Assert.Equal("certificate", e.Setting);
            }

            await using var broker = Broker.Connect(url + "?tlsAcceptAnyCertificate=true&tlsServerName=localhost");
            var seen = new Recorder<Message>();
            await using var sub = await broker.SubscribeAsync(Options("over-tls"), (m, _) => { seen.Add(m); return default; });
            await broker.PublishAsync("over-tls", Message.FromString("encrypted"));
            await seen.WaitUntilAsync(items => items.Any(m => m.GetString() == "encrypted"), TimeSpan.FromSeconds(10), "the message sent over TLS");
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    private static Task<RedisProcess> StartAsync(params string[] args) => RedisProcess.StartAsync(args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw TestEnvironment.Unavailable($"{file} is not installed: {e.Message}");
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"{file} failed: {await error}");
        }
    }
}
