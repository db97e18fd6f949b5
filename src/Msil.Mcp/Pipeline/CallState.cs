using System.Text.Json;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Catalog;

namespace Msil.Mcp.Pipeline;

/// <summary>What the stages of one governed call learn, in order; the audit stage records it whatever happens.</summary>
internal sealed class CallState
{
    public const string ItemKey = "msil.mcp.call";

    /// <summary>The tool name as the caller sent it, bounded (<see cref="Diagnostics.CallerText"/>), then the catalog tool's: what audit, spans and logs may take.</summary>
    public required string ToolName { get; set; }

    /// <summary>The server's correlation id of the request (never the client's).</summary>
    public required string CorrelationId { get; init; }

    /// <summary>The client's <c>X-Correlation-ID</c>, bounded and sanitised, or <see langword="null"/>.</summary>
    public string? ClientCorrelationId { get; init; }

    public required long StartTimestamp { get; init; }

    public CallerIdentity Caller
    {
        get;
        set
        {
            field = value;
            _principalKey = null;
            PrincipalKeyShared = false;
        }
    } = CallerIdentity.Anonymous;

    /// <summary>The caller's <see cref="CallerIdentity.PrincipalKey"/>, built once per call (the rate limits and the call counts all key by it).</summary>
    public string PrincipalKey => _principalKey ??= Caller.PrincipalKey;

    private string? _principalKey;

    /// <summary>Sets the caller and, when the resolver had it already (a cached caller's), its principal key.</summary>
    public void SetCaller(CallerIdentity caller, string? principalKey)
    {
        Caller = caller;
        _principalKey = principalKey;
        PrincipalKeyShared = principalKey is not null;
    }

    /// <summary>Whether <see cref="PrincipalKey"/> is the one string every call of the same cached token shares (so keys built from it may be kept with it).</summary>
    public bool PrincipalKeyShared { get; private set; }

    /// <summary>Whether this is the start-up warm-up's synthetic call (<c>Msil:Mcp:WarmUp</c>): built like a call, never audited or counted.</summary>
    public bool WarmUp { get; init; }

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

    /// <summary>The idempotency key of the call, the same for every round of a task.</summary>
    public string IdempotencyKey { get; } = NewIdempotencyKey();

    /// <summary>Whether the call may become a task: the tool supports tasks and the client negotiated the extension.</summary>
    public bool TaskEligible { get; set; }

    /// <summary>The task the call became, returned in place of the tool's result.</summary>
    public Tasks.CreateTaskResult? CreatedTask { get; set; }

    /// <summary>The result the shape stage made for this call (a fresh object), which <see cref="CallResultWriter"/> may write past the SDK's DOM.</summary>
    public ModelContextProtocol.Protocol.CallToolResult? Shaped { get; set; }

    /// <summary>The executor's result made from JSON bytes when <see cref="Shaped"/> holds only placeholders for it, which <see cref="CallResultWriter"/> writes from the bytes.</summary>
    public ToolResult? ShapedJson { get; set; }

    /// <summary>The invocation of the executor for this call: its validated arguments, caller and ids.</summary>
    public ToolInvocation CreateInvocation(IToolCallContext? context, IServiceProvider? services) => new()
    {
        Tool = Tool!.Definition,
        Arguments = Arguments,
        Caller = Caller,
        CorrelationId = CorrelationId,
        SubjectToken = SubjectToken,
        IdempotencyKey = IdempotencyKey,
        Services = services ?? Services,
        Context = context,
    };

    /// <summary>A copy for the task's own audit record, detached from the request's (which records the creation).</summary>
    public CallState CloneForTask() => (CallState)MemberwiseClone();

    /// <summary><c>mcp-</c> and 32 random hex digits (<see cref="RandomIds"/>), formatted straight into the one string.</summary>
    private static string NewIdempotencyKey() => RandomIds.New("mcp-");

    public static IReadOnlyDictionary<string, JsonElement> EmptyArguments { get; } = new Dictionary<string, JsonElement>(0);
}
