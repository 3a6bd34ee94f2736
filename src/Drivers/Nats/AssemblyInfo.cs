using Omnibus.Drivers;
using Omnibus.Drivers.Nats;

[assembly: OmnibusDriver(typeof(NatsDriverFactory))]
