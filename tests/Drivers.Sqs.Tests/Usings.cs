global using Omnibus.Conformance.Servers;
