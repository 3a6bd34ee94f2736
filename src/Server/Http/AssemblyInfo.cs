using System.Runtime.CompilerServices;

// The HTTP tests check the Prometheus writer's escaping directly.
[assembly: InternalsVisibleTo("Omnibus.Server.Http.Tests")]
