using System.ComponentModel;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Abstractions.Tools;

namespace Msil.Mcp.Benchmarks.Generators;

public enum Priority
{
    Normal,
    Express,
}

public sealed record Quote(string Sku, int Quantity, Priority Priority, decimal Total);

/// <summary>One method, exposed both as a generated tool and as the SDK's reflection-based tool.</summary>
public static partial class PricingTools
{
    /// <summary>Prices an order line.</summary>
    /// <param name="sku">The article.</param>
    /// <param name="quantity">How many.</param>
    /// <param name="priority">How fast.</param>
    /// <returns>The quote.</returns>
    [MsilTool(RiskLevel.Read)]
    [McpServerTool(Name = "price_order", UseStructuredContent = true), Description("Prices an order line.")]
    public static Quote PriceOrder(string sku, int quantity, Priority priority = Priority.Normal)
        => new(sku, quantity, priority, quantity * (priority == Priority.Express ? 12.5m : 10m));
}

/// <summary>
/// Dispatch of one tool call after validation: the generated executor (JSON bound by generated code, direct call)
/// against the MCP SDK's <c>McpServerTool</c> built by reflection (<c>AIFunction</c> binding) for the same method.
/// Both produce structured content and text.
/// </summary>
[MemoryDiagnoser]
public class GeneratedToolDispatchBenchmarks
{
    private readonly IToolExecutor _generated = new PricingTools.MsilTools.Executor();
    private ToolInvocation _invocation = null!;
    private McpServerTool _sdkTool = null!;
    private RequestContext<CallToolRequestParams> _sdkContext = null!;
    private McpServer _server = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var document = JsonDocument.Parse("""{"sku":"ABC-123","quantity":3,"priority":"Express"}""");
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
        _invocation = new ToolInvocation
        {
            Tool = PricingTools.MsilTools.CreateDefinitions()[0],
            Arguments = arguments,
            Caller = CallerIdentity.Anonymous,
            CorrelationId = "bench",
            IdempotencyKey = "bench",
        };

        _sdkTool = McpServerTool.Create(typeof(PricingTools).GetMethod(nameof(PricingTools.PriceOrder))!, target: null, new McpServerToolCreateOptions { Name = "price_order", UseStructuredContent = true });
        _server = McpServer.Create(new StreamServerTransport(Stream.Null, Stream.Null), new McpServerOptions());
        _sdkContext = new RequestContext<CallToolRequestParams>(
            _server,
            new JsonRpcRequest { Method = RequestMethods.ToolsCall, Id = new RequestId(1) },
            new CallToolRequestParams { Name = "price_order", Arguments = arguments });

        // Both must really run the method, or the comparison means nothing.
        var sdk = SdkReflectionTool().GetAwaiter().GetResult();
        var generated = GeneratedExecutor().GetAwaiter().GetResult();
        if (sdk.IsError == true || generated.IsError
            || sdk.StructuredContent?.GetProperty("total").GetDecimal() != 37.5m
            || generated.StructuredContent?.GetProperty("total").GetDecimal() != 37.5m)
        {
            throw new InvalidOperationException($"A tool failed: SDK {sdk.StructuredContent}, generated {generated.Text}.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _server.DisposeAsync();

    [Benchmark(Baseline = true, Description = "SDK [McpServerTool] (reflection)")]
    public async Task<CallToolResult> SdkReflectionTool() => await _sdkTool.InvokeAsync(_sdkContext, CancellationToken.None);

    [Benchmark(Description = "Generated executor")]
    public async Task<ToolResult> GeneratedExecutor() => await _generated.ExecuteAsync(_invocation, CancellationToken.None);
}
