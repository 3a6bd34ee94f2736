// Crash-test child of tests/Drivers.Redis.Tests. Usage: Omnibus.RedisCrashHost <connection-string> <topic> <group> consume|poison
// Reports on stdout, each line flushed before the next step, so a kill never leaves the parent believing more happened:
//   READY         subscribed (its consumer is in the group)
//   C <id> <n>    consume: delivery n of a message was received (printed before it is acknowledged)
//   A <id>        consume: its acknowledgement completed
//   H <id> <n>    poison: a message was handled
//   X <id> <n>    poison: the poison message arrived for attempt n; the process kills itself now
using System.Text;
using Omnibus;
using Omnibus.Drivers.Redis;

var (connectionString, topic, group, mode) = (args[0], args[1], args[2], args[3]);
_ = typeof(RedisDriverFactory); // loads the driver assembly so the registry finds redis://
var output = Console.OpenStandardOutput();
var gate = new object();
void Report(string line)
{
    var bytes = Encoding.ASCII.GetBytes(line + "\n");
    lock (gate)
    {
        output.Write(bytes);
        output.Flush();
    }
}

await using var broker = Broker.Connect(connectionString);
var options = new SubscriptionOptions(topic, group) { Concurrency = 8, MaxDeliveryAttempts = 3, Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(10) } };
if (mode == "poison")
{
    await using var subscription = await broker.SubscribeAsync(options, (m, _) =>
    {
        if (m.GetString() == "poison")
        {
            Report($"X {m.Id} {m.DeliveryAttempt}");
            Environment.FailFast("poison message: the process dies before its handler returns");
        }

        Report($"H {m.Id} {m.DeliveryAttempt}");
        return default;
    });
    Report("READY");
    await Task.Delay(Timeout.Infinite);
}

var source = await broker.OpenDeliveriesAsync(options);
Report("READY");
var ackSlots = new SemaphoreSlim(64);
while (await source.WaitToReadAsync(CancellationToken.None))
{
    while (source.TryRead(out var delivery))
    {
        Report($"C {delivery.Message.Id} {delivery.Message.DeliveryAttempt}");
        await ackSlots.WaitAsync();
        _ = Task.Run(async () =>
        {
            await Task.Delay(50); // some work, so that deliveries are in flight when the process is killed
            await delivery.AckAsync();
            Report($"A {delivery.Message.Id}");
            ackSlots.Release();
        });
    }
}
