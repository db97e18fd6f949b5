using BenchmarkDotNet.Running;
using Msil.Mcp.Benchmarks.Http;

// build/bench.sh runs the BenchmarkDotNet benchmarks (e.g. --filter '*Policy*');
// build/bench-http.sh starts the HTTP servers below (and the reference server) and drives them with wrk.
if (args.Length > 0 && args[0] is "serve-bare" or "serve-governed" or "serve-backend" or "serve-bare-proxy")
{
    await BenchServers.RunAsync(args[0], args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
