using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;

namespace Msil.Mcp.Pipeline;

/// <summary>What the stages of one governed call learn, in order; the audit stage records it whatever happens.</summary>
internal sealed class CallState
{
    public const string ItemKey = "msil.mcp.call";

    public required ToolCallPipeline Pipeline { get; init; }

    public required string ToolName { get; init; }

    public required string CorrelationId { get; init; }

    public required long StartTimestamp { get; init; }

    public CallerIdentity Caller { get; set; } = CallerIdentity.Anonymous;

    public SensitiveString? SubjectToken { get; set; }

    public CompiledTool? Tool { get; set; }

    public IReadOnlyDictionary<string, JsonElement> Arguments { get; set; } = EmptyArguments;

    public string? ArgumentsHash { get; set; }

    public PolicyDecision? Decision { get; set; }

    public ElevationGrant? Grant { get; set; }

    public string? Outcome { get; set; }

    public string? Detail { get; set; }

    public int? BackendStatus { get; set; }

    public long? ResultSize { get; set; }

    public IServiceProvider? Services { get; set; }

    /// <summary>The executor's request state echoed by the client, verified (MRTR, SEP-2322).</summary>
    public string? RequestState { get; set; }

    /// <summary>The SDK's request, for the executor's <see cref="IToolCallContext"/> (progress, logging, sampling, elicitation).</summary>
    public ModelContextProtocol.Server.RequestContext<ModelContextProtocol.Protocol.CallToolRequestParams>? Request { get; set; }

    public static IReadOnlyDictionary<string, JsonElement> EmptyArguments { get; } = new Dictionary<string, JsonElement>(0);
}
