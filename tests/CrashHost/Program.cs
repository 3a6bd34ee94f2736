// Crash-test child. Usage: Omnibus.CrashHost <data-dir> <qos> <run> <publish-count>
// Publishes <publish-count> messages (ids "r<run>-<n>", up to 256 in flight) while consuming group "crash",
// and reports on stdout, each line flushed before the next step so a kill never leaves the parent believing
// more than happened:
//   P <id>  the broker acknowledged the publish
//   C <id>  a delivery was received (printed before it is acknowledged)
//   A <id>  the acknowledgement completed
//   PUBLISHED  every publish of this run was acknowledged
using System.Text;
using Omnibus;
using Omnibus.Embedded;

var (dataDir, qos, run, count) = (args[0], int.Parse(args[1]), args[2], int.Parse(args[3]));
_ = typeof(EmbeddedDriverFactory); // loads the driver assembly so the registry finds embedded://
var output = Console.OpenStandardOutput();
var gate = new object();
void Report(string kind, string id)
{
    var line = Encoding.ASCII.GetBytes($"{kind} {id}\n");
    lock (gate)
    {
        output.Write(line);
        output.Flush();
    }
}

await using var broker = Broker.Connect($"embedded://{dataDir}?qos={qos}");
var source = await broker.OpenDeliveriesAsync(new SubscriptionOptions("crash", "crash") { Concurrency = 64 });
var ackSlots = new SemaphoreSlim(1024); // acks pipelined, as the subscription runner does
var consuming = Task.Run(async () =>
{
    while (await source.WaitToReadAsync(CancellationToken.None))
    {
        while (source.TryRead(out var delivery))
        {
            Report("C", delivery.Message.Id);
            await ackSlots.WaitAsync();
            _ = Task.Run(async () =>
            {
                await delivery.AckAsync();
                Report("A", delivery.Message.Id);
                ackSlots.Release();
            });
        }
    }
});

using var inFlight = new SemaphoreSlim(256);
var publishes = new List<Task>();
for (var n = 0; n < count; n++)
{
    await inFlight.WaitAsync();
    var id = $"r{run}-{n}";
    publishes.Add(Task.Run(async () =>
    {
        try
        {
            await broker.PublishAsync("crash", new Message(Encoding.ASCII.GetBytes(id)) { Id = id });
            Report("P", id);
        }
        finally
        {
            inFlight.Release();
        }
    }));
}

await Task.WhenAll(publishes);
Report("PUBLISHED", run);
await consuming; // runs until the parent kills the process
