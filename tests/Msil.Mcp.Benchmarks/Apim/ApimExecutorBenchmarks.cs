using System.Net;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Apim;

namespace Msil.Mcp.Benchmarks.Apim;

/// <summary>Shared inputs: a GET tool with a path and a query parameter, and its validated call.</summary>
internal static class ApimBenchmarkCalls
{
    public const string Body = """{"items":[{"id":"V-1","model":"Swift","stock":12},{"id":"V-2","model":"Baleno","stock":4}],"total":2}""";

    public static readonly ToolDefinition Tool = new()
    {
        Name = "get_vehicle_inventory",
        Description = "bench",
        RiskLevel = RiskLevel.Read,
        InputSchema = JsonElement.Parse("""{"type":"object"}"""),
        Executor = "http",
        Source = "bench",
        ContentHash = "bench-apim",
        Http = new HttpBinding
        {
            Method = "GET",
            PathTemplate = "/v1/dealers/{dealer_id}/inventory",
            Parameters =
            [
                new HttpParameterBinding("dealer_id", "dealer_id", ParameterLocation.Path),
                new HttpParameterBinding("model", "model", ParameterLocation.Query),
            ],
        },
    };

    public static readonly ToolInvocation Invocation = new()
    {
        Tool = Tool,
        Arguments = new Dictionary<string, JsonElement>
        {
            ["dealer_id"] = JsonElement.Parse("\"D-42\""),
            ["model"] = JsonElement.Parse("\"Swift\""),
        },
        Caller = new CallerIdentity { UserId = "bob", Subject = "sub-bob" },
        CorrelationId = "bench-correlation",
        IdempotencyKey = "mcp-bench",
    };

    public static IToolExecutor CreateExecutor(Uri gateway, HttpMessageHandler? primary, out ServiceProvider provider)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMsilMcp().AddApim(o =>
        {
            o.GatewayUrl = gateway;
            o.AllowInsecureHttp = true; // a loopback backend, and a bare service collection counts as Production
            o.SubscriptionKey = "bench-subscription-key";
        });
        if (primary is not null)
        {
            services.AddHttpClient(ApimToolExecutor.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => primary);
        }

        provider = services.BuildServiceProvider();
        return provider.GetServices<IToolExecutor>().Single(e => e.Kind == "http");
    }
}

/// <summary>
/// The client's own overhead (target under 20 µs): the executor against a raw <see cref="HttpClient"/> doing the same
/// GET to an in-process Kestrel endpoint on loopback. The difference between the two is request building, headers,
/// the resilience pipeline (timeouts, retry, breaker), the bounded body read and response shaping.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ApimLoopbackBenchmarks
{
    private WebApplication _backend = null!;
    private HttpClient _raw = null!;
    private ServiceProvider _provider = null!;
    private IToolExecutor _executor = null!;
    private Uri _url = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _backend = builder.Build();
        var body = Encoding.UTF8.GetBytes(ApimBenchmarkCalls.Body);
        _backend.MapGet("/v1/dealers/{id}/inventory", (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        _backend.StartAsync().GetAwaiter().GetResult();
        var gateway = new Uri(_backend.Urls.First());
        _url = new Uri(gateway, "/v1/dealers/D-42/inventory?model=Swift");
        _raw = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
        _executor = ApimBenchmarkCalls.CreateExecutor(gateway, null, out _provider);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _provider.Dispose();
        _backend.StopAsync().GetAwaiter().GetResult();
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public async Task<byte[]> RawHttpClient()
    {
        using var response = await _raw.GetAsync(_url, HttpCompletionOption.ResponseHeadersRead);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Benchmark]
    public async Task<ToolResult> Executor() => await _executor.ExecuteAsync(ApimBenchmarkCalls.Invocation, CancellationToken.None);
}

/// <summary>
/// The same comparison without the network: both clients send to a handler that answers from memory, so the
/// difference is only this package's work (the loopback figures carry ±20 % of socket noise on this machine).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ApimInMemoryBenchmarks
{
    private HttpClient _raw = null!;
    private ServiceProvider _provider = null!;
    private IToolExecutor _executor = null!;
    private readonly Uri _url = new("http://apim.bench/v1/dealers/D-42/inventory?model=Swift");

    [GlobalSetup]
    public void Setup()
    {
        _raw = new HttpClient(new CannedHandler());
        _executor = ApimBenchmarkCalls.CreateExecutor(new Uri("http://apim.bench"), new CannedHandler(), out _provider);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _provider.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<byte[]> RawHttpClient()
    {
        using var response = await _raw.GetAsync(_url, HttpCompletionOption.ResponseHeadersRead);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Benchmark]
    public async Task<ToolResult> Executor() => await _executor.ExecuteAsync(ApimBenchmarkCalls.Invocation, CancellationToken.None);

    private sealed class CannedHandler : HttpMessageHandler
    {
        private static readonly byte[] Body = Encoding.UTF8.GetBytes(ApimBenchmarkCalls.Body);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(Body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }
}
