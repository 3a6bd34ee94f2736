using Omnibus.Bench;
using System.Globalization;
using Omnibus.Bench.Drivers;

// The kafka://, amqp://, nats://, redis:// and sqs:// drivers against their raw clients, same process, same run (docs/benchmarks.md,
// "Kafka and RabbitMQ drivers", "NATS driver", "Redis driver"):
//   dotnet run -c Release --project bench/Drivers -- --broker kafka|rabbitmq|nats|redis|sqs|pubsub|all [--messages N] [--runs R] [--window W]
//     [--prefetch P] [--redis-count N] [--concurrency C] [--case publish|consume|all] [--no-latency] [--kafka-extra &k=v]
// Defaults: N = 100,000 for Kafka (at most: the mock cluster keeps 5 MiB per partition) and NATS, 50,000 for RabbitMQ,
// R = 3, W = 1000 publishes in flight, RabbitMQ prefetch (NATS pull batch) P = 100 and consumer concurrency C = 1 on
// both sides. NATS runs on a nats-server this harness starts (JetStream, file store in a temp dir) and always stops.
// Each case runs raw, then Omnibus, once per run (interleaved), after one unmeasured warm-up round. The table shows
// medians over the runs and Omnibus/raw. Kafka runs on librdkafka's in-process mock cluster; RabbitMQ on a
// rabbitmq-server this harness starts (tests/servers/rabbitmq.sh) and always stops; Redis on a redis-server without
// persistence it starts and stops (N = 200,000, XREADGROUP COUNT and driver prefetch 500), followed by idle-to-first-message latency.
// SQS on the fauxqs emulator it starts (tests/servers/fauxqs-serve.mjs) and stops: N = 10,000, 64 calls in flight, receives of 10.
var settings = BenchSettings.Parse(args);
var body = new byte[100];
Random.Shared.NextBytes(body);
var results = new List<CaseResult>();
var descriptions = new List<string>();
Console.WriteLine($"Omnibus drivers vs raw clients: {settings}");
Console.WriteLine($"machine: {Machine.Describe()}; load average {Machine.LoadAverage()}");

if (settings.Kafka)
{
    using var kafka = new KafkaBench(settings, body);
    descriptions.Add(kafka.Describe());
    results.AddRange(await kafka.RunAsync());
}

if (settings.RabbitMq)
{
    using var node = RabbitMqNode.Start();
    var rabbit = await RabbitMqBench.StartAsync(settings, node, body);
    await using (rabbit)
    {
        descriptions.Add(rabbit.Describe());
        results.AddRange(await rabbit.RunAsync());
    }
}

if (settings.Nats)
{
    using var server = await Omnibus.Bench.Server.NatsServer.StartAsync();
    var nats = await NatsBench.StartAsync(settings, server, body);
    await using (nats)
    {
        descriptions.Add(nats.Describe());
        results.AddRange(await nats.RunAsync());
    }
}

if (settings.Redis)
{
    using var node = RedisNode.Start();
    var redis = await RedisBench.StartAsync(settings, node, body);
    await using (redis)
    {
        descriptions.Add(redis.Describe());
        results.AddRange(await redis.RunAsync());
    }
}

if (settings.Sqs)
{
    using var node = await FauxqsNode.StartAsync();
    var sqs = await SqsBench.StartAsync(settings, node);
    await using (sqs)
    {
        descriptions.Add(sqs.Describe());
        results.AddRange(await sqs.RunAsync());
    }
}

if (settings.PubSub)
{
    var pubsub = await PubSubBench.StartAsync(settings, body);
    await using (pubsub)
    {
        descriptions.Add(pubsub.Describe());
        results.AddRange(await pubsub.RunAsync());
    }
}

Console.WriteLine();
Console.WriteLine(CaseResult.Invariant($"Median of {settings.RunCount} interleaved runs per side; 100-byte bodies; msg/s is messages over the time from the first publish (consume: the first message handled) to the last confirmed (consume: handled and acked). CPU (user + system) and allocated bytes are this process's, per message: for Kafka that includes the in-process mock broker's threads, for RabbitMQ, NATS and Redis not the broker."));
Console.WriteLine();
Console.WriteLine(CaseResult.FormatTable(results));
foreach (var description in descriptions)
{
    Console.WriteLine("- " + description);
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"finished {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {Machine.LoadAverage()}"));
return 0;
