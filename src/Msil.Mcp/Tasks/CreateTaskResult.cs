using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;

namespace Msil.Mcp.Tasks;

/// <summary>
/// The flat <c>CreateTaskResult</c> of SEP-2663 (<c>Result &amp; Task</c>): <c>resultType:"task"</c> and the task's
/// fields at the top level; no <c>task</c> wrapper, no <c>requestState</c>, no legacy <c>ttl</c>/<c>pollInterval</c>.
/// </summary>
internal sealed class CreateTaskResult : Result
{
    [JsonPropertyName("taskId")]
    public required string TaskId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("statusMessage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StatusMessage { get; init; }

    [JsonPropertyName("createdAt")]
    public required string CreatedAt { get; init; }

    [JsonPropertyName("lastUpdatedAt")]
    public required string LastUpdatedAt { get; init; }

    [JsonPropertyName("ttlMs")]
    public required long TtlMs { get; init; }

    [JsonPropertyName("pollIntervalMs")]
    public required int PollIntervalMs { get; init; }
}

[JsonSerializable(typeof(CreateTaskResult))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ToolTaskJsonContext : JsonSerializerContext;
