using System.Text;
using BenchmarkDotNet.Attributes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Registry;
using Msil.Mcp.Registry.Catalog;
using Msil.Mcp.Registry.OpenApi;
using Msil.Mcp.RateLimiting;

namespace Msil.Mcp.Benchmarks.Registry;

/// <summary>What the registry benchmarks share: the corpus, a generated 1,000-operation document and a temp directory.</summary>
internal static class RegistryBench
{
    /// <summary>A document with <paramref name="count"/> operations, each with a path, two query parameters and a JSON body on every fourth.</summary>
    public static string Operations(int count)
    {
        var sb = new StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"bench\",\"version\":\"1\"},\"paths\":{");
        for (var i = 0; i < count; i++)
        {
            var method = i % 4 == 0 ? "post" : "get";
            var body = method == "post" ? ",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\",\"description\":\"Name\"},\"count\":{\"type\":\"integer\"}}}}}}" : string.Empty;
            sb.Append(i == 0 ? string.Empty : ",")
                .Append("\"/v1/area").Append(i % 17).Append("/items").Append(i).Append("/{id}\":{\"").Append(method).Append("\":{\"operationId\":\"op").Append(i)
                .Append("\",\"summary\":\"Operation number ").Append(i).Append(" of the benchmark document\",\"parameters\":[")
                .Append("{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"},\"description\":\"Item id\"},")
                .Append("{\"name\":\"region\",\"in\":\"query\",\"schema\":{\"type\":\"string\",\"enum\":[\"north\",\"south\"]},\"description\":\"Region\"},")
                .Append("{\"name\":\"limit\",\"in\":\"query\",\"schema\":{\"type\":\"integer\",\"maximum\":100},\"description\":\"Limit\"}]")
                .Append(body).Append(",\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}}}}}");
        }

        return sb.Append("}}").ToString();
    }

    public static string Kubernetes()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Msil.Mcp.Sdk.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? ".", "..", "shared", "openapi-corpus", "specs", "kubernetes-v1.13-swagger.json");
        return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"The Kubernetes spec of the OpenAPI corpus was not found at {Path.GetFullPath(path)} (../shared/openapi-corpus next to the repository).");
    }

    public static string TempDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "msil-registry-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>A started host with the registry on a SQLite store (no sources).</summary>
    public static async Task<IHost> StartAsync(string directory)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Services.AddMsilMcp().AddToolRegistry();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}

/// <summary>Compiling the Kubernetes API (about 1,000 operations) from the corpus, warm, in process. Target: under 1.5 s.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class RegistryCompileBenchmarks
{
    private byte[] _kubernetes = [];
    private OpenApiToolCompiler _compiler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _kubernetes = Encoding.UTF8.GetBytes(RegistryBench.Kubernetes());
        _compiler = new OpenApiToolCompiler();
    }

    [Benchmark]
    public int CompileKubernetes() => _compiler.Compile(new MemoryStream(_kubernetes, writable: false), "kubernetes").Tools.Count;
}

/// <summary>
/// The catalog with 1,000 stored tools: a forced reload from the SQLite store into the catalog, and the memory the
/// loaded tools hold (measured once in setup with full GCs, printed as "held per 1,000 tools").
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class RegistryCatalogBenchmarks
{
    private string _directory = null!;
    private IHost _host = null!;
    private ToolRegistry _registry = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = RegistryBench.TempDirectory();
        var compilation = new OpenApiToolCompiler().Compile(RegistryBench.Operations(1000), "bench");
        _host = RegistryBench.StartAsync(_directory).GetAwaiter().GetResult();
        _registry = _host.Services.GetRequiredService<ToolRegistry>();
        _ = _host.Services.GetRequiredService<Msil.Mcp.Catalog.GovernedToolCollection>();
        var caller = new CallerIdentity { UserId = "bench", Subject = "bench" };
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _registry.ImportAsync("bench", compilation, "bench", dryRun: false, caller, "bench", CancellationToken.None).GetAwaiter().GetResult();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var count = _host.Services.GetRequiredService<IToolCatalog>().Current.Tools.Count;
        GC.KeepAlive(compilation);
        Console.WriteLine($"// registry: {count} tools imported and served; memory held by them (catalog snapshot, governed tools with validators and protocol tools, registry maps): {(after - before) * 1000.0 / count / 1024 / 1024:0.00} MB per 1,000 tools");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public Task ReloadThousandToolsFromStore() => _registry.ReloadAsync(force: true, CancellationToken.None);
}

/// <summary>
/// <c>tools/list</c> of 1,000 registry tools through the governed server (stateless Streamable HTTP, allow-all policy),
/// one JSON-RPC POST over loopback per operation: the server's work plus one loopback round trip. Target: under 5 ms.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class RegistryToolsListBenchmarks
{
    private const string InitializeLine = """{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}""";
    private const string Body = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""";
    private string _directory = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private ModelContextProtocol.Protocol.ListToolsResult _listed = null!;
    private ModelContextProtocol.Server.McpServer _server = null!;
    private ModelContextProtocol.Server.RequestContext<ModelContextProtocol.Protocol.ListToolsRequestParams> _listContext = null!;
    private Msil.Mcp.Pipeline.ToolListFilter _filter = null!;
    private System.IO.Pipelines.Pipe _serverInput = null!;
    private System.IO.Pipelines.Pipe _serverOutput = null!;
    private ModelContextProtocol.Server.McpServer _streamServer = null!;
    private Task _streamServerRun = null!;
    private int _streamRequestId;

    [GlobalSetup]
    public void Setup()
    {
        _directory = RegistryBench.TempDirectory();
        var port = Msil.Mcp.Testing.LoopbackPorts.Free();
        var builder = WebApplication.CreateBuilder(["--contentRoot", _directory, "--environment", "Production", "--AllowedHosts", "127.0.0.1"]);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthorization();
        var mcp = builder.Services.AddMsilMcp();
        builder.Services.Configure<RateLimitOptions>(o => o.Enabled = false);
        mcp.UsePolicyDecisionPoint<AllowAll>();
        var document = RegistryBench.Operations(1000);
        mcp.AddToolRegistry(o => o.Sources.Add(new OpenApiSourceOptions { Name = "bench", Open = () => new MemoryStream(Encoding.UTF8.GetBytes(document)) }));
        _app = builder.Build();
        _app.MapMsilMcp("/mcp");
        _app.StartAsync().GetAwaiter().GetResult();
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var tools = ListAsync().GetAwaiter().GetResult();
        Console.WriteLine($"// tools/list answer: {tools} bytes");
        _listed = new ModelContextProtocol.Protocol.ListToolsResult
        {
            Tools = [.. _app.Services.GetRequiredService<Msil.Mcp.Catalog.GovernedToolCollection>().Tools.Select(t => t.ProtocolTool)],
        };
        _filter = _app.Services.GetRequiredService<Msil.Mcp.Pipeline.ToolListFilter>();
        _server = ModelContextProtocol.Server.McpServer.Create(new ModelContextProtocol.Server.StreamServerTransport(Stream.Null, Stream.Null), new ModelContextProtocol.Server.McpServerOptions());
        _listContext = new ModelContextProtocol.Server.RequestContext<ModelContextProtocol.Protocol.ListToolsRequestParams>(
            _server,
            new ModelContextProtocol.Protocol.JsonRpcRequest { Method = ModelContextProtocol.Protocol.RequestMethods.ToolsList, Id = new ModelContextProtocol.Protocol.RequestId(1) },
            new ModelContextProtocol.Protocol.ListToolsRequestParams());
        if (FilterThousandTools().GetAwaiter().GetResult() != 1000)
        {
            throw new InvalidOperationException("The governed list filter did not keep the 1,000 tools.");
        }

        // The server side alone: an SDK server built from the host's own options (governed tools and filters), fed
        // JSON-RPC lines through in-memory pipes, so the figure has no HTTP, loopback or client in it.
        _serverInput = new System.IO.Pipelines.Pipe();
        _serverOutput = new System.IO.Pipelines.Pipe();
        var serverOptions = _app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsFactory<ModelContextProtocol.Server.McpServerOptions>>().Create(Microsoft.Extensions.Options.Options.DefaultName);
        _streamServer = ModelContextProtocol.Server.McpServer.Create(
            new ModelContextProtocol.Server.StreamServerTransport(_serverInput.Reader.AsStream(), _serverOutput.Writer.AsStream()),
            serverOptions,
            serviceProvider: _app.Services);
        _streamServerRun = _streamServer.RunAsync();
        ExchangeAsync(InitializeLine).GetAwaiter().GetResult();
        var listed = ServerSideThousandTools().GetAwaiter().GetResult();
        Console.WriteLine($"// tools/list line from the in-memory server: {listed} bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _serverInput.Writer.Complete();
        _streamServer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _ = _streamServerRun;
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _client.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public Task<int> ToolsListThousandTools() => ListAsync();

    /// <summary>The governed share alone: the list filter (a policy decision per tool over the name-ordered listing) over the 1,000 tools, in process.</summary>
    [Benchmark]
    public async Task<int> FilterThousandTools()
    {
        var (page, _) = await _filter.ListPageAsync(_listContext, CancellationToken.None);
        return page.Tools.Count;
    }

    /// <summary>The serialization share alone: the SDK's JSON of a result holding the 1,000 protocol tools, in process.</summary>
    [Benchmark]
    public int SerializeThousandTools()
        => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_listed, ModelContextProtocol.McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ModelContextProtocol.Protocol.ListToolsResult))).Length;

    /// <summary>
    /// The server side of a 1,000-tool <c>tools/list</c>, apart from loopback and client: the request line parsed, the
    /// governed filter, the SDK's handler and result JSON, and the response line written, through in-memory pipes.
    /// </summary>
    [Benchmark]
    public Task<int> ServerSideThousandTools()
        => ExchangeAsync("{\"jsonrpc\":\"2.0\",\"id\":" + Interlocked.Increment(ref _streamRequestId).ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"method\":\"tools/list\",\"params\":{}}");

    private Task<int> ExchangeAsync(string line) => ToolsListMemoryRun.ExchangeAsync(_serverInput, _serverOutput, line);

    private async Task<int> ListAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await _client.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return response.IsSuccessStatusCode && bytes.Length > 100_000 ? bytes.Length : throw new InvalidOperationException($"tools/list answered {(int)response.StatusCode} with {bytes.Length} bytes: {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(300, bytes.Length)))}");
    }


    private sealed class AllowAll : IPolicyDecisionPoint
    {
        public ValueTask<PolicyDecision> EvaluateAsync(PolicyRequest request, CancellationToken cancellationToken)
            => new(PolicyDecision.Allowed("bench", "bench"));
    }
}
