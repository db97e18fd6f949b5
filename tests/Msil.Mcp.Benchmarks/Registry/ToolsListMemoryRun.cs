using System.Diagnostics;
using System.Globalization;
using System.Text;
using Msil.Mcp.Abstractions;
using Msil.Mcp.RateLimiting;
using Msil.Mcp.Registry;

namespace Msil.Mcp.Benchmarks.Registry;

/// <summary>
/// <c>list-memory</c>: a BenchmarkDotNet-free run that serves a 1,000-tool catalog (the generated benchmark document, or
/// an OpenAPI file given with <c>--spec</c>) on a loopback port, calls <c>tools/list</c> over HTTP 1,000 times (or
/// <c>--lists N</c>) and prints the process's RSS (<c>/proc/self/status</c> VmRSS) and GC heap after lists 100, 250,
/// 500 and 1,000: flat means within ±10 % of list 100 from there on. Then it times the server side alone (the host's
/// SDK server fed JSON-RPC lines through in-memory pipes, as <c>ServerSideThousandTools</c>) and prints the median,
/// the 90th percentile and the bytes allocated per list.
/// </summary>
internal static class ToolsListMemoryRun
{
    private const string Body = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""";

    public static async Task<int> RunAsync(string[] args)
    {
        var spec = Arg(args, "--spec");
        var lists = int.Parse(Arg(args, "--lists") ?? "1000", CultureInfo.InvariantCulture);
        var document = spec is null ? RegistryBench.Operations(1000) : await File.ReadAllTextAsync(spec);
        var directory = RegistryBench.TempDirectory();
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var builder = WebApplication.CreateBuilder(["--contentRoot", directory, "--environment", "Production", "--AllowedHosts", "127.0.0.1"]);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization();
        var mcp = builder.Services.AddMsilMcp();
        builder.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
        mcp.UsePolicyDecisionPoint<AllowAll>();
        mcp.AddToolRegistry(o => o.Sources.Add(new OpenApiSourceOptions { Name = "bench", Open = () => new MemoryStream(Encoding.UTF8.GetBytes(document)) }));
        await using var app = builder.Build();
        app.MapMsilMcp("/mcp");
        await app.StartAsync();
        try
        {
            var tools = app.Services.GetRequiredService<IToolCatalog>().Current.Tools.Count;
            var rawMode = app.Services.GetRequiredService<Msil.Mcp.Catalog.ToolListJsonMode>().WritesRaw;
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var size = await ListAsync(client);
            Console.WriteLine($"list-memory: {tools} tools ({(spec is null ? "generated document" : Path.GetFileName(spec))}), answer {size:N0} bytes, written {(rawMode ? "as raw UTF-8" : "as element nodes (fallback)")}; {lists} lists over loopback HTTP");
            Console.WriteLine("after list | RSS (MB) | GC heap (MB) | RSS vs list 100");
            double? baseline = null;
            for (var i = 1; i <= lists; i++)
            {
                await ListAsync(client);
                if (i is 100 or 250 or 500 or 1000 || i == lists)
                {
                    var rss = RssMegabytes();
                    baseline ??= rss;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i,10} | {rss,8:0.0} | {GC.GetTotalMemory(forceFullCollection: false) / 1048576.0,12:0.0} | {(rss / baseline.Value - 1) * 100,+6:+0.0;-0.0} %"));
                }
            }

            await ServerSideAsync(app, 300);
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    /// <summary>Times <paramref name="count"/> server-side lists (after 50 to warm up) through in-memory pipes.</summary>
    private static async Task ServerSideAsync(WebApplication app, int count)
    {
        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var serverOptions = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsFactory<ModelContextProtocol.Server.McpServerOptions>>().Create(Microsoft.Extensions.Options.Options.DefaultName);
        await using var server = ModelContextProtocol.Server.McpServer.Create(
            new ModelContextProtocol.Server.StreamServerTransport(input.Reader.AsStream(), output.Writer.AsStream()),
            serverOptions,
            serviceProvider: app.Services);
        var run = server.RunAsync();
        var id = 0;
        await ExchangeAsync(input, output, """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}""");
        var times = new List<double>(count);
        var bytes = 0;
        long allocated = 0;
        for (var i = 0; i < 50 + count; i++)
        {
            var line = "{\"jsonrpc\":\"2.0\",\"id\":" + (++id).ToString(CultureInfo.InvariantCulture) + ",\"method\":\"tools/list\",\"params\":{}}";
            var before = GC.GetTotalAllocatedBytes(precise: false);
            var started = Stopwatch.GetTimestamp();
            bytes = await ExchangeAsync(input, output, line);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (i >= 50)
            {
                times.Add(elapsed);
                allocated += GC.GetTotalAllocatedBytes(precise: false) - before;
            }
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server side alone (in-memory pipes, {count} lists of {bytes:N0} bytes): median {times[count / 2]:0.00} ms, p90 {times[count * 9 / 10]:0.00} ms, min {times[0]:0.00} ms, about {allocated / count / 1024.0:N0} KB allocated per list (all threads)"));
        input.Writer.Complete();
        _ = run;
    }

    /// <summary>Writes one JSON-RPC line into the server's input pipe and reads its one answer line from the output pipe: the answer's length in bytes.</summary>
    internal static async Task<int> ExchangeAsync(System.IO.Pipelines.Pipe input, System.IO.Pipelines.Pipe output, string line)
    {
        await input.Writer.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        var total = 0;
        while (true)
        {
            var read = await output.Reader.ReadAsync();
            var buffer = read.Buffer;
            if (System.Buffers.BuffersExtensions.PositionOf(buffer, (byte)'\n') is { } end)
            {
                total += (int)buffer.Slice(0, end).Length;
                output.Reader.AdvanceTo(buffer.GetPosition(1, end));
                return total;
            }

            total += (int)buffer.Length;
            output.Reader.AdvanceTo(buffer.End);
        }
    }

    private static async Task<int> ListAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode && bytes.Length > 100_000 ? bytes.Length : throw new InvalidOperationException($"tools/list answered {(int)response.StatusCode} with {bytes.Length} bytes");
    }

    private static double RssMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return double.NaN;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed class AllowAll : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
            => new(PolicyDecision.Allowed("bench", "bench"));
    }
}
