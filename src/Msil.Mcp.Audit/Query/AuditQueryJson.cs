using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msil.Mcp.Audit.Query;

/// <summary>
/// The fields of a stored audit line the query API reads (<see cref="AuditRecordSerializer"/> writes them). Other fields
/// are ignored; the whole line is returned as it is by <c>GET /api/audit/{sequence}</c>.
/// </summary>
internal sealed record StoredAuditLine
{
    [JsonPropertyName("seq")] public long Sequence { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("ts")] public string? Timestamp { get; init; }
    [JsonPropertyName("user_id")] public string? UserId { get; init; }
    [JsonPropertyName("tool")] public string? Tool { get; init; }
    [JsonPropertyName("action")] public string? Action { get; init; }
    [JsonPropertyName("outcome")] public string? Outcome { get; init; }
    [JsonPropertyName("decision")] public string? Decision { get; init; }
    [JsonPropertyName("decision_id")] public string? DecisionId { get; init; }
    [JsonPropertyName("decision_reason")] public string? DecisionReason { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("correlation_id")] public string? CorrelationId { get; init; }
    [JsonPropertyName("backend_status")] public int? BackendStatus { get; init; }
    [JsonPropertyName("latency_ms")] public double? LatencyMs { get; init; }
    [JsonPropertyName("elevation_ref")] public string? ElevationReference { get; init; }
    [JsonPropertyName("risk_level")] public string? RiskLevel { get; init; }
    [JsonPropertyName("tool_version")] public string? ToolVersion { get; init; }
    [JsonPropertyName("args")] public JsonElement? Arguments { get; init; }

    /// <summary>Reads a stored line.</summary>
    /// <exception cref="JsonException">The line is not an audit record.</exception>
    public static StoredAuditLine Parse(string line)
        => JsonSerializer.Deserialize(line, AuditQueryJsonContext.Default.StoredAuditLine) ?? throw new JsonException("The audit line is JSON null.");
}

/// <summary>One record in a page of <c>GET /api/audit</c>: what the console's list shows.</summary>
internal record AuditRecordSummary
{
    /// <summary>Creates the summary of a stored line.</summary>
    public AuditRecordSummary(StoredAuditLine line)
    {
        Sequence = line.Sequence;
        Id = line.Id;
        Timestamp = line.Timestamp;
        User = line.UserId;
        Tool = line.Tool;
        Action = line.Action;
        Outcome = line.Outcome;
        Decision = line.Decision;
        DecisionId = line.DecisionId;
        Reason = line.DecisionReason ?? line.Detail;
        CorrelationId = line.CorrelationId;
        BackendStatus = line.BackendStatus;
        DurationMs = line.LatencyMs;
    }

    [JsonPropertyName("sequence")] public long Sequence { get; }
    [JsonPropertyName("id")] public string? Id { get; }
    [JsonPropertyName("timestamp")] public string? Timestamp { get; }
    [JsonPropertyName("user")] public string? User { get; }
    [JsonPropertyName("tool")] public string? Tool { get; }
    [JsonPropertyName("action")] public string? Action { get; }
    [JsonPropertyName("outcome")] public string? Outcome { get; }
    [JsonPropertyName("decision")] public string? Decision { get; }
    [JsonPropertyName("decision_id")] public string? DecisionId { get; }

    /// <summary>The policy's reason, else the record's detail.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; }

    [JsonPropertyName("correlation_id")] public string? CorrelationId { get; }
    [JsonPropertyName("backend_status")] public int? BackendStatus { get; }
    [JsonPropertyName("duration_ms")] public double? DurationMs { get; }
}

/// <summary><c>GET /api/audit/{sequence}</c>: one whole record with its chain position and whether its hash checks out.</summary>
internal sealed record AuditRecordView : AuditRecordSummary
{
    /// <summary>Creates the view of a stored, chained line.</summary>
    public AuditRecordView(StoredAuditLine line, ChainedRecord chained, JsonElement record)
        : base(line)
    {
        Chain = chained.ChainId;
        DecisionReason = line.DecisionReason;
        ElevationReference = line.ElevationReference;
        Detail = line.Detail;
        RiskLevel = line.RiskLevel;
        ToolVersion = line.ToolVersion;
        Arguments = line.Arguments;
        PreviousHash = chained.PreviousHash;
        Hash = chained.Hash;
        HashVerified = string.Equals(chained.Hash, chained.ComputedHash, StringComparison.Ordinal);
        Record = record;
    }

    [JsonPropertyName("chain")] public string? Chain { get; }
    [JsonPropertyName("decision_reason")] public string? DecisionReason { get; }
    [JsonPropertyName("elevation_reference")] public string? ElevationReference { get; }
    [JsonPropertyName("detail")] public string? Detail { get; }
    [JsonPropertyName("risk_level")] public string? RiskLevel { get; }
    [JsonPropertyName("tool_version")] public string? ToolVersion { get; }
    [JsonPropertyName("arguments")] public JsonElement? Arguments { get; }
    [JsonPropertyName("previous_hash")] public string PreviousHash { get; }
    [JsonPropertyName("hash")] public string Hash { get; }
    [JsonPropertyName("hash_verified")] public bool HashVerified { get; }

    /// <summary>The stored line as it is.</summary>
    [JsonPropertyName("record")] public JsonElement Record { get; }
}

/// <summary>A page of <c>GET /api/audit</c>, newest first.</summary>
internal sealed record AuditRecordPage(
    [property: JsonPropertyName("items")] IReadOnlyList<AuditRecordSummary> Items,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("store")] string Store);

/// <summary>The body of <c>POST /api/audit/verify</c>.</summary>
internal sealed record VerifyRequest([property: JsonPropertyName("store")] string? Store);

/// <summary>The answer of <c>POST /api/audit/verify</c>.</summary>
internal sealed record VerifyAnswer(
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("records_checked")] long RecordsChecked,
    [property: JsonPropertyName("chains")] int Chains,
    [property: JsonPropertyName("first_broken_sequence")] long? FirstBrokenSequence,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("duration_ms")] double DurationMs);

/// <summary>The source-generated metadata of the audit query API's bodies (no reflection, trimming- and AOT-safe).</summary>
[JsonSerializable(typeof(StoredAuditLine))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(AuditRecordPage))]
[JsonSerializable(typeof(AuditRecordView))]
[JsonSerializable(typeof(VerifyRequest))]
[JsonSerializable(typeof(VerifyAnswer))]
internal sealed partial class AuditQueryJsonContext : JsonSerializerContext;
