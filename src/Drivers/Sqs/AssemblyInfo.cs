using Omnibus.Drivers;
using Omnibus.Drivers.Sqs;

[assembly: OmnibusDriver(typeof(SqsDriverFactory))]
