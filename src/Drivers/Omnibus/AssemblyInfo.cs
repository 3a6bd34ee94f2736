using Omnibus.Drivers;
using Omnibus.Drivers.Omnibus;

[assembly: OmnibusDriver(typeof(OmnibusDriverFactory))]
