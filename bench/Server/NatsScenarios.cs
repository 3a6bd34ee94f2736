using System.Diagnostics;
using System.Text;

namespace Omnibus.Bench.Server;

/// <summary>The anchors: nats-server core pub/sub, and JetStream file storage with publish acks and pull consume + ack.</summary>
internal static class NatsScenarios
{
    /// <summary>1 publisher → 1 subscriber on core NATS (at-most-once, nothing stored).</summary>
    public static async Task<LoadResult> CoreAsync(NatsServer server, int messages, int size)
    {
        var arrivals = new Arrivals(messages);
        await using var subscriber = await NatsConnection.ConnectAsync(server.Port, (_, _, _, payload) => arrivals.Arrived(payload));
        await subscriber.SubscribeAsync("bench.core", 1);
        await using var publisher = await NatsConnection.ConnectAsync(server.Port);

        var payload = Arrivals.Payload(size);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            Arrivals.Stamp(payload);
            await publisher.PublishAsync("bench.core", null, payload);
        }

        await publisher.FlushAsync();
        var published = Stopwatch.GetTimestamp();
        await arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
        return Result("nats core (QoS0 anchor)", messages, started, published, arrivals);
    }

    /// <summary>
    /// JetStream, file storage: publishes with acks (at most <paramref name="window"/> unacknowledged) while a durable
    /// pull consumer fetches batches and acks each message.
    /// </summary>
    public static async Task<LoadResult> JetStreamAsync(NatsServer server, int messages, int size, int window)
    {
        var stream = "BENCH" + Guid.NewGuid().ToString("N")[..8];
        var subject = "js." + stream;
        await RequestAsync(server, $"$JS.API.STREAM.CREATE.{stream}", $"{{\"name\":\"{stream}\",\"subjects\":[\"{subject}\"],\"storage\":\"file\"}}");
        await RequestAsync(server, $"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.c", $"{{\"stream_name\":\"{stream}\",\"config\":{{\"durable_name\":\"c\",\"ack_policy\":\"explicit\",\"deliver_policy\":\"all\",\"max_ack_pending\":100000}}}}");

        // Consumer: pull 500 at a time with two requests outstanding (a new one per batch received); ack every message by publishing to its reply.
        var arrivals = new Arrivals(messages);
        const int Batch = 500;
        var pullRequest = Encoding.ASCII.GetBytes($"{{\"batch\":{Batch},\"expires\":2000000000}}");
        NatsConnection? consumer = null;
        var sinceRequest = 0;
        var acks = new SemaphoreSlim(0);
        consumer = await NatsConnection.ConnectAsync(server.Port, (_, reply, _, payload) =>
        {
            if (payload.Length == 0 || reply.Length == 0)
            {
                return; // a status (e.g. request expired), not a message
            }

            arrivals.Arrived(payload);
            var ack = Encoding.ASCII.GetBytes($"PUB {Encoding.ASCII.GetString(reply)} 0\r\n\r\n");
            consumer!.WriteAsync(ack).AsTask().GetAwaiter().GetResult();
            if (++sinceRequest == Batch)
            {
                sinceRequest = 0;
                acks.Release();
            }
        });
        await using var consumerScope = consumer;
        await consumer.SubscribeAsync("_INBOX.pull", 1);
        var pulling = Task.Run(async () =>
        {
            await consumer.PublishAsync($"$JS.API.CONSUMER.MSG.NEXT.{stream}.c", "_INBOX.pull", pullRequest);
            await consumer.PublishAsync($"$JS.API.CONSUMER.MSG.NEXT.{stream}.c", "_INBOX.pull", pullRequest);
            await consumer.FlushAsync();
            while (!arrivals.All.IsCompleted)
            {
                if (await acks.WaitAsync(TimeSpan.FromMilliseconds(1)))
                {
                    await consumer.PublishAsync($"$JS.API.CONSUMER.MSG.NEXT.{stream}.c", "_INBOX.pull", pullRequest);
                }

                await consumer.FlushAsync(); // acks written by the reader go out here
            }
        });

        // Publisher: at most `window` publishes without their ack.
        var inFlight = new SemaphoreSlim(window);
        await using var publisher = await NatsConnection.ConnectAsync(server.Port, (_, _, _, _) => inFlight.Release());
        await publisher.SubscribeAsync("_INBOX.acks.*", 1);
        var payload = Arrivals.Payload(size);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            if (!inFlight.Wait(0))
            {
                await publisher.FlushAsync();
                await inFlight.WaitAsync();
            }

            Arrivals.Stamp(payload);
            await publisher.PublishAsync(subject, "_INBOX.acks." + i.ToString(System.Globalization.CultureInfo.InvariantCulture), payload);
        }

        await publisher.FlushAsync();
        for (var i = 0; i < window; i++)
        {
            await inFlight.WaitAsync(TimeSpan.FromMinutes(2));
        }

        var published = Stopwatch.GetTimestamp();
        await arrivals.All.WaitAsync(TimeSpan.FromMinutes(2));
        await pulling;
        return Result("nats JetStream file, acks (QoS1 anchor)", messages, started, published, arrivals);
    }

    private static LoadResult Result(string scenario, int messages, long started, long published, Arrivals arrivals)
    {
        var (p50, p99) = arrivals.Percentiles();
        return new LoadResult(
            scenario,
            messages / Stopwatch.GetElapsedTime(started, published).TotalSeconds,
            messages / Stopwatch.GetElapsedTime(started, arrivals.LastArrival).TotalSeconds,
            p50,
            p99);
    }

    /// <summary>A request/reply on a fresh connection; fails on a JetStream API error.</summary>
    private static async Task RequestAsync(NatsServer server, string subject, string json)
    {
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var connection = await NatsConnection.ConnectAsync(server.Port, (_, _, _, payload) => reply.TrySetResult(Encoding.UTF8.GetString(payload)));
        await connection.SubscribeAsync("_INBOX.request", 1);
        await connection.PublishAsync(subject, "_INBOX.request", Encoding.UTF8.GetBytes(json));
        await connection.FlushAsync();
        var answer = await reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
        if (answer.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"JetStream API {subject} failed: {answer}");
        }
    }
}
