using Omnibus.Drivers;
using Omnibus.Drivers.RabbitMQ;

[assembly: OmnibusDriver(typeof(RabbitMqDriverFactory))]
