using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msil.Mcp.Tasks;

/// <summary>The status of a task, as on the wire (SEP-2663).</summary>
internal enum ToolTaskStatus
{
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>One pending input request of a task: the method and its params, as the executor asked.</summary>
internal sealed record ToolTaskInput(string Method, JsonElement Params);

/// <summary>
/// A task as the store keeps it. Immutable and plain data, so a distributed store can serialize it; the running
/// executor, its cancellation and the caller's token stay with the replica that owns the task (<see cref="ToolTaskRunner"/>).
/// </summary>
internal sealed record ToolTaskRecord
{
    public required string TaskId { get; init; }

    /// <summary>The caller that created the task (<c>CallerIdentity.PrincipalKey</c>: issuer and subject); nobody else sees it.</summary>
    public required string OwnerKey { get; init; }

    public required string ToolName { get; init; }

    public required string CorrelationId { get; init; }

    public ToolTaskStatus Status { get; init; } = ToolTaskStatus.Working;

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastUpdatedAt { get; init; }

    public required long TtlMs { get; init; }

    public required int PollIntervalMs { get; init; }

    public string? StatusMessage { get; init; }

    /// <summary>The shaped <c>CallToolResult</c> once completed.</summary>
    public JsonElement? Result { get; init; }

    public int? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>The input requests not answered yet, keyed as the executor gave them.</summary>
    public IReadOnlyDictionary<string, ToolTaskInput> InputRequests { get; init; } = Empty<ToolTaskInput>.Map;

    /// <summary>The answers collected so far for the current round; handed to the executor when every request is answered.</summary>
    public IReadOnlyDictionary<string, JsonElement> InputResponses { get; init; } = Empty<JsonElement>.Map;

    /// <summary>The executor's request state of the current input round; server-side only, never sent to the client.</summary>
    public string? RequestState { get; init; }

    public bool CancelRequested { get; init; }

    [JsonIgnore]
    public bool IsTerminal => Status is ToolTaskStatus.Completed or ToolTaskStatus.Failed or ToolTaskStatus.Cancelled;

    /// <summary>When the store may forget the task: its TTL after its last change, so never before <see cref="TtlMs"/> from creation.</summary>
    [JsonIgnore]
    public DateTimeOffset ExpiresAt => LastUpdatedAt.AddMilliseconds(TtlMs);

    public static string Wire(ToolTaskStatus status) => status switch
    {
        ToolTaskStatus.Working => "working",
        ToolTaskStatus.InputRequired => "input_required",
        ToolTaskStatus.Completed => "completed",
        ToolTaskStatus.Failed => "failed",
        _ => "cancelled",
    };

    private static class Empty<T>
    {
        public static readonly IReadOnlyDictionary<string, T> Map = new Dictionary<string, T>(0, StringComparer.Ordinal);
    }
}

/// <summary>What a task's owner is told by another request (possibly on another replica).</summary>
internal enum ToolTaskSignal
{
    /// <summary><c>tasks/cancel</c>: cancel the executor.</summary>
    Cancel,

    /// <summary>The task expired before it ended: cancel the executor.</summary>
    Expired,

    /// <summary>Every pending input request is answered: call the executor again.</summary>
    InputReady,
}
