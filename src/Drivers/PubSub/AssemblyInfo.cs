using Omnibus.Drivers;
using Omnibus.Drivers.PubSub;

[assembly: OmnibusDriver(typeof(PubSubDriverFactory))]
