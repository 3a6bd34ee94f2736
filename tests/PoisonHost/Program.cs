// Crash-loop child. Usage: Omnibus.PoisonHost <connection-string> <topic> <group> <max-attempts> <dead-letter-group or ->
// Consumes <group> on <topic> (from Earliest, one handler at a time), and <dead-letter-group> on <topic>.dlq (not with -), and reports
// on stdout, each line flushed before the next step, so the parent sees everything that happened before the process died:
//   READY                  the subscriptions are open
//   H <id> <attempt>       a message was handled (printed before the handler returns)
//   CRASH <id> <attempt>   the poison message (body "poison") arrived: the process kills itself now
//   D <id>                 a dead letter arrived on <topic>.dlq
using System.Globalization;
using System.Text;
using Omnibus;

var (connectionString, topic, group, maxAttempts, deadLetterGroup) = (args[0], args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);

// Loads the driver assemblies, so the registry finds every scheme the parent may pass.
_ = (typeof(Omnibus.Embedded.EmbeddedDriverFactory), typeof(Omnibus.Drivers.Omnibus.OmnibusDriverFactory),
    typeof(Omnibus.Drivers.Kafka.KafkaDriverFactory), typeof(Omnibus.Drivers.RabbitMQ.RabbitMqDriverFactory),
    typeof(Omnibus.Drivers.PubSub.PubSubDriverFactory), typeof(Omnibus.Drivers.Nats.NatsDriverFactory), typeof(Omnibus.Drivers.Redis.RedisDriverFactory),
    typeof(Omnibus.Drivers.Sqs.SqsDriverFactory));
var output = Console.OpenStandardOutput();
var gate = new object();
void Report(string line)
{
    var bytes = Encoding.UTF8.GetBytes(line + "\n");
    lock (gate)
    {
        output.Write(bytes);
        output.Flush();
    }
}

await using var broker = Broker.Connect(connectionString);
var options = new SubscriptionOptions(topic, group)
{
    StartFrom = StartPosition.Earliest,
    Concurrency = 1,
    MaxDeliveryAttempts = maxAttempts,
    Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10), Max = TimeSpan.FromMilliseconds(50) },
};
await using var subscription = await broker.SubscribeAsync(options, (message, _) =>
{
    var attempt = message.DeliveryAttempt.ToString(CultureInfo.InvariantCulture);
    if (message.GetString() == "poison")
    {
        Report($"CRASH {message.Id} {attempt}");
        Environment.FailFast("PoisonHost: the poison message kills its consumer, as a native crash or an out-of-memory would.");
    }

    Report($"H {message.Id} {attempt}");
    return default;
});
await using var deadLetters = deadLetterGroup == "-" ? null : await broker.SubscribeAsync(new SubscriptionOptions(topic + ".dlq", deadLetterGroup), (message, _) =>
{
    Report($"D {message.Id}");
    return default;
});
Report("READY");
await Task.Delay(Timeout.Infinite); // runs until it crashes or the parent kills it
