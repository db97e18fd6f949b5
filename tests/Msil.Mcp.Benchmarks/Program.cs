using BenchmarkDotNet.Running;
using Msil.Mcp.Benchmarks.Http;

// build/bench.sh runs the BenchmarkDotNet benchmarks (e.g. --filter '*Policy*');
// build/bench-http.sh starts the HTTP servers below (and the reference server) and drives them with wrk.
if (args.Length > 0 && args[0] is "serve-bare" or "serve-governed" or "serve-backend" or "serve-bare-proxy")
{
    await BenchServers.RunAsync(args[0], args[1..]);
    return 0;
}

// drive-mcp: a raw-HTTP MCP load driver (build/bench-http.sh's node row; it also reads replies from a GET SSE stream).
if (args.Length > 0 && args[0] is "drive-mcp")
{
    return await McpLoadDriver.RunAsync(args[1..]);
}

// list-memory: tools/list of a 1,000-tool catalog 1,000 times over loopback, RSS and GC heap along the way (docs/benchmarks.md).
if (args.Length > 0 && args[0] is "list-memory")
{
    return await Msil.Mcp.Benchmarks.Registry.ToolsListMemoryRun.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
