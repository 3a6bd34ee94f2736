using BenchmarkDotNet.Running;
using Omnibus.Bench.Micro;

// dotnet run -c Release --project bench/Micro -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(args, MicroConfig.Create());
