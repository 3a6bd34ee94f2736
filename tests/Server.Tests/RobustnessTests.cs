using System.Diagnostics;
using System.Net.Sockets;
using Omnibus.Protocol;
using Xunit.Abstractions;

namespace Omnibus.Server.Tests;

/// <summary>
/// Abuse that must not hurt anyone else: fuzzed frames, a thousand idle connections, a consumer that stops reading.
/// Each runs a <see cref="HealthyClient"/> throughout and checks it never failed and kept making progress. Memory is
/// the managed heap of this process (server and clients together), so the bounds include the clients' share.
/// </summary>
public sealed class RobustnessTests : IAsyncLifetime
{
    private const string HealthyToken = "healthy";
    private const string FuzzToken = "fuzz";
    private readonly ITestOutputHelper _output;
    private TestServer _server = null!;

    public RobustnessTests(ITestOutputHelper output) => _output = output;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o =>
    {
        o.Tokens[HealthyToken] = TokenGrant.All;
        o.Tokens[FuzzToken] = new TokenGrant { Publish = ["fuzz"], Subscribe = ["fuzz"] };
        o.MaxFrameBytes = 64 * 1024;
        o.IdleTimeout = TimeSpan.FromSeconds(3);
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Fuzz_100000RandomAndMutatedFrames_ServerSurvives_OthersUnaffected_MemoryBounded()
    {
        const int target = 100_000;
        const int workers = 8;
        await using var healthy = await HealthyClient.StartAsync($"{_server.ConnectionString}?token={HealthyToken}", "healthy");
        await Wait.UntilAsync(() => healthy.RoundTrips > 0, TimeSpan.FromSeconds(30), "the first healthy round trip");
        var memory = new MemorySampler();
        var sent = 0L;
        var connections = 0L;
        var watch = Stopwatch.StartNew();
        var progress = new List<int>();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var fuzzer = new Fuzzer(seed: 1000 + w);
            var random = new Random(w);
            while (Interlocked.Read(ref sent) < target || _server.Stats.FramesReceived < target)
            {
                Interlocked.Increment(ref connections);
                var (frames, validShare) = random.Next(10) < 7 ? (random.Next(50, 400), 0.995) : (random.Next(5, 60), 0.3);
                Interlocked.Add(ref sent, await FuzzConnectionAsync(fuzzer, random, frames, validShare));
                if (w == 0 && Interlocked.Read(ref connections) % 50 == 0)
                {
                    lock (progress)
                    {
                        progress.Add(healthy.RoundTrips);
                    }
                }
            }
        })));
        var fuzzTime = watch.Elapsed;

        // Everyone else was served throughout: the healthy client kept completing round trips, and a new client works.
        var roundTripsDuringFuzz = healthy.RoundTrips;
        await Wait.UntilAsync(() => healthy.RoundTrips > roundTripsDuringFuzz + 10, TimeSpan.FromSeconds(30), "more healthy round trips after the fuzz");
        var latencies = await healthy.StopAsync();
        Assert.Null(healthy.Error);
        await using (var fresh = _server.Connect($"token={HealthyToken}"))
        {
            await fresh.PublishAsync("healthy", Message.FromString("after the fuzz"));
        }

        await Wait.UntilAsync(() => _server.Stats.Connections <= 1, TimeSpan.FromSeconds(30), "fuzz connections closed by the server");
        var stats = _server.Stats;
        await memory.DisposeAsync();
        var settled = memory.SettledGrowthMiB;
        _output.WriteLine($"{Interlocked.Read(ref sent)} frames over {connections} connections in {fuzzTime.TotalSeconds:0.0} s; server: {stats.FramesReceived} frames parsed, {stats.ProtocolErrors} protocol errors, {stats.Rejected} rejections");
        _output.WriteLine($"healthy client: {latencies.Length} round trips, p50 {Percentile(latencies, 0.5):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms; progress samples {string.Join(",", progress)}");
        _output.WriteLine($"managed heap: peak +{memory.PeakGrowthMiB:0.0} MiB, settled +{settled:0.0} MiB over a baseline of {memory.Baseline / 1048576.0:0.0} MiB");

        Assert.True(Interlocked.Read(ref sent) >= target && stats.FramesReceived >= target);
        Assert.True(stats.ProtocolErrors >= connections / 4, $"only {stats.ProtocolErrors} protocol errors over {connections} connections: the fuzz did not reach the parser");
        Assert.True(IsNonDecreasingWithGrowth(progress), "the healthy client stalled during the fuzz: " + string.Join(",", progress));
        Assert.True(memory.PeakGrowthMiB < 256, $"managed heap grew {memory.PeakGrowthMiB:0} MiB at peak; bound 256 MiB");
        Assert.True(settled < 64, $"managed heap kept {settled:0} MiB after the fuzz; bound 64 MiB");
    }

    [Fact]
    public async Task IdleConnections_1000_DoNotSlowOthers()
    {
        var idle = new List<RawClient>();
        try
        {
            await using var healthy = await HealthyClient.StartAsync($"{_server.ConnectionString}?token={HealthyToken}", "healthy");
            await Wait.UntilAsync(() => healthy.RoundTrips > 0, TimeSpan.FromSeconds(30), "the first healthy round trip");
            var hello = RawClient.Hello(FuzzToken);
            for (var batch = 0; batch < 20; batch++)
            {
                var opened = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
                {
                    var raw = await RawClient.ConnectAsync(_server.Endpoint);
                    if (i % 2 == 0)
                    {
                        await raw.SendAsync(hello); // half say HELLO, half say nothing at all
                    }

                    return raw;
                }));
                idle.AddRange(opened);
            }

            await Wait.UntilAsync(() => _server.Stats.Connections >= 1001, TimeSpan.FromSeconds(30), "1,000 idle connections open");
            var before = healthy.RoundTrips;
            await Wait.UntilAsync(() => healthy.RoundTrips >= before + 200, TimeSpan.FromSeconds(60), "200 round trips beside 1,000 idle connections");
            var connectionsDuring = _server.Stats.Connections;
            var latencies = (await healthy.StopAsync())[before..];
            _output.WriteLine($"{connectionsDuring} connections open; healthy round trips beside them: {latencies.Length}, p50 {Percentile(latencies, 0.5):0.00} ms, p99 {Percentile(latencies, 0.99):0.00} ms, max {latencies.Max():0.00} ms");
            Assert.Null(healthy.Error);
            Assert.True(connectionsDuring >= 1001);
            Assert.True(Percentile(latencies, 0.99) < 1000, "p99 round trip above 1 s");

            // Idle connections are closed after IdleTimeout (3 s here); the healthy client pings and stays.
            await Wait.UntilAsync(() => _server.Stats.Connections <= 1, TimeSpan.FromSeconds(60), "idle connections closed after IdleTimeout");
        }
        finally
        {
            idle.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task SlowConsumer_NeverReads_IsClosed_MemoryBounded_NothingLost()
    {
        const int count = 2000;
        var body = new byte[16 * 1024];
        await using var healthy = await HealthyClient.StartAsync($"{_server.ConnectionString}?token={HealthyToken}", "healthy");
        await using var publisher = _server.Connect($"token={HealthyToken}");
        await using (await publisher.SubscribeAsync(new SubscriptionOptions("slow", "g"), (_, _) => default))
        {
            // The group exists from here on; the handler saw nothing (nothing was published yet).
        }

        var memory = new MemorySampler();
        using var slow = await RawClient.ConnectAsync(_server.Endpoint);
        await slow.HandshakeAsync(HealthyToken);
        await slow.SendAsync(RawClient.Subscribe(2, 1, "slow", "g", credit: 1_000_000)); // far more than MaxCredits
        Assert.Equal(Opcode.Ok, (await slow.ReadAsync(TimeSpan.FromSeconds(30)))!.Value.Opcode);

        // From here on the slow client never reads; it pings so that only its unread output can get it closed.
        using var pinging = new CancellationTokenSource();
        var pinger = Task.Run(async () =>
        {
            try
            {
                while (!pinging.IsCancellationRequested)
                {
                    await slow.SendAsync(RawClient.Encode(Opcode.Ping, 0));
                    await Task.Delay(300, pinging.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // Closed by the server, or stopped.
            }
        });

        for (var i = 0; i < count; i += 100)
        {
            await Task.WhenAll(Enumerable.Range(i, 100).Select(n => publisher.PublishAsync("slow", new Message(body) { Id = $"slow-{n}" }).AsTask()));
        }

        await Wait.UntilAsync(() => _server.Stats.SlowConsumers >= 1, TimeSpan.FromSeconds(60), "the slow consumer closed for not reading");
        pinging.Cancel();
        await pinger;
        var roundTrips = healthy.RoundTrips;
        await Wait.UntilAsync(() => healthy.RoundTrips > roundTrips + 10, TimeSpan.FromSeconds(30), "healthy round trips after the slow consumer");
        Assert.Null(healthy.Error);

        // Nothing the slow consumer held is lost: another consumer of the group gets every message.
        var seen = new HashSet<string>();
        await using (await publisher.SubscribeAsync(new SubscriptionOptions("slow", "g") { Concurrency = 8 }, (m, _) =>
        {
            lock (seen)
            {
                seen.Add(m.Id);
            }

            return default;
        }))
        {
            await Wait.UntilAsync(() => { lock (seen) { return seen.Count == count; } }, TimeSpan.FromSeconds(60), $"all {count} messages delivered to the next consumer");
        }

        await memory.DisposeAsync();
        _output.WriteLine($"{count} x {body.Length / 1024} KiB published to a consumer that never reads; managed heap peak +{memory.PeakGrowthMiB:0.0} MiB, settled +{memory.SettledGrowthMiB:0.0} MiB; slow consumers closed: {_server.Stats.SlowConsumers}");
        Assert.True(memory.PeakGrowthMiB < 200, $"managed heap grew {memory.PeakGrowthMiB:0} MiB at peak; bound 200 MiB (the publisher's {count * body.Length / 1048576} MiB pass through it)");
    }

    [Fact]
    public async Task RequestFlood_RepliesNeverRead_ServerStopsReadingAndCloses_MemoryBounded()
    {
        await using var healthy = await HealthyClient.StartAsync($"{_server.ConnectionString}?token={HealthyToken}", "healthy");
        var memory = new MemorySampler();
        using var flood = await RawClient.ConnectAsync(_server.Endpoint);
        await flood.HandshakeAsync(FuzzToken);

        // 20 MB of forbidden publishes, each answered by an ERROR about five times its size, and never a read.
        var forbidden = RawClient.Encode(Opcode.Publish, 9, b =>
        {
            b.WriteString("x");
            b.WriteMessage(new Message { Id = "m" });
        });
        var chunk = Enumerable.Repeat(forbidden, 10_000).SelectMany(f => f).ToArray();
        var writing = Task.Run(async () =>
        {
            try
            {
                for (var sent = 0L; sent < 20_000_000; sent += chunk.Length)
                {
                    await flood.SendAsync(chunk);
                }
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // Closed by the server.
            }
        });

        await Wait.UntilAsync(() => _server.Stats.SlowConsumers >= 1, TimeSpan.FromSeconds(60), "the flooding client closed for not reading");
        await writing.WaitAsync(TimeSpan.FromSeconds(60));
        var roundTrips = healthy.RoundTrips;
        await Wait.UntilAsync(() => healthy.RoundTrips > roundTrips + 10, TimeSpan.FromSeconds(30), "healthy round trips after the flood");
        Assert.Null(healthy.Error);
        await memory.DisposeAsync();
        _output.WriteLine($"flood of unread replies: managed heap peak +{memory.PeakGrowthMiB:0.0} MiB; frames parsed {_server.Stats.FramesReceived}");
        Assert.True(memory.PeakGrowthMiB < 64, $"managed heap grew {memory.PeakGrowthMiB:0} MiB at peak; bound 64 MiB");
    }

    /// <summary>One fuzz connection: usually a valid HELLO, then frames written in chunks, then an abrupt close. Returns frames written.</summary>
    private async Task<long> FuzzConnectionAsync(Fuzzer fuzzer, Random random, int frames, double validShare)
    {
        using var tcp = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        long written = 0;
        try
        {
            await tcp.ConnectAsync(_server.Endpoint, timeout.Token);
            var stream = tcp.GetStream();
            using var chunk = new MemoryStream();
            chunk.Write(random.Next(10) switch
            {
                0 => fuzzer.Next(0), // a broken first frame
                1 => RawClient.Hello("wrong-token"),
                _ => RawClient.Hello(FuzzToken),
            });
            var inChunk = 1;
            for (var i = 0; i < frames; i++)
            {
                chunk.Write(fuzzer.Next(validShare));
                inChunk++;
                if (chunk.Length > 8192 || i == frames - 1)
                {
                    await stream.WriteAsync(chunk.GetBuffer().AsMemory(0, (int)chunk.Length), timeout.Token);
                    written += inChunk;
                    inChunk = 0;
                    chunk.SetLength(0);
                }
            }

            // Most connections end their side and read the answers until the server closes (so it parses everything up
            // to the first fatal error); the others leave abruptly.
            if (random.Next(4) != 0)
            {
                tcp.Client.Shutdown(SocketShutdown.Send);
                var buffer = new byte[16 * 1024];
                while (await stream.ReadAsync(buffer, timeout.Token) > 0)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The server closed the connection (as it should after a bad frame), or the read moment ended.
        }

        return written;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static bool IsNonDecreasingWithGrowth(List<int> samples) => samples.Count < 2 || samples[^1] > samples[0];
}
