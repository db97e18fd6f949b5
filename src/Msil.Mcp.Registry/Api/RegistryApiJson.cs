using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msil.Mcp.Registry.Api;

// The wire of the registry's REST API (write API, four-eyes changes, discovery), as typed records. Property order is the
// wire's field order. A field that is left out of some answers is [JsonIgnore(WhenWritingNull)]; where such a field is
// written as null in the answers that have it, its type is JsonElement? and RegistryApiJson.Present gives the JSON null.

/// <summary>The answer of <c>POST /api/mcp/tools/import</c> (and of a refused import, with the problem's fields at the end).</summary>
internal sealed record ImportReportResponse
{
    public required string Source { get; init; }

    public required bool DryRun { get; init; }

    public required bool Stored { get; init; }

    [JsonPropertyName("document_sha256")]
    public required string DocumentSha256 { get; init; }

    public required string? SpecVersion { get; init; }

    public required int Operations { get; init; }

    public required int Tools { get; init; }

    /// <summary>The import's id (JSON null on a dry run); absent when the document did not compile.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? ImportId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImportChangeResponse>? Added { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImportChangeResponse>? Changed { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImportChangeResponse>? Removed { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Unchanged { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ImportChangeResponse>? Conflicts { get; init; }

    public required IReadOnlyList<ImportDiagnosticResponse> Report { get; init; }

    public required int ReportTotal { get; init; }

    public required IReadOnlyList<ImportLintResponse> Lint { get; init; }

    public required int LintTotal { get; init; }

    /// <summary>The problem's status of a refused import (RFC 9457 members next to the report).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Title { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }
}

/// <summary>One tool's change in an import report.</summary>
internal sealed record ImportChangeResponse(
    string Name,
    string Reason,
    int? FromVersion,
    int? ToVersion,
    int? NewVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ChangedFields);

/// <summary>One compile diagnostic of an import report.</summary>
internal sealed record ImportDiagnosticResponse(string? Operation, string Severity, string Code, string Message, bool Skipped);

/// <summary>One lint finding of an import report.</summary>
internal sealed record ImportLintResponse(string Tool, string Code, string Message);

/// <summary>The answer of <c>GET /api/mcp/imports</c>.</summary>
internal sealed record ImportListResponse(IReadOnlyList<ImportEntryResponse> Imports, int Page, int PageSize);

/// <summary>One import of <see cref="ImportListResponse"/>.</summary>
internal sealed record ImportEntryResponse(
    long Id,
    string Source,
    string Actor,
    string ImportedAt,
    [property: JsonPropertyName("document_sha256")] string DocumentSha256,
    string? SpecVersion,
    int Added,
    int Changed,
    int Removed,
    int Unchanged);

/// <summary>A curation write's answer when the tool is gone by the time it is read back: the store's revision only.</summary>
internal sealed record RevisionResponse(long Revision);

/// <summary>The 202 answer of a write staged for a second approval.</summary>
internal sealed record StagedChangeResponse(string ChangeId, string State, string Kind, string Summary, IReadOnlyList<string> Reasons, string Detail);

/// <summary>A staged change: the items of <c>GET /api/mcp/changes</c>, and with the trailing fields <c>GET /api/mcp/changes/{id}</c> and a decision's answer.</summary>
internal sealed record ChangeResponse
{
    public required string Id { get; init; }

    public required string Kind { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tool { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    public required string Summary { get; init; }

    public required string RequestedBy { get; init; }

    public required string RequestedAt { get; init; }

    public required string State { get; init; }

    public required string? DecidedBy { get; init; }

    public required string? DecidedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? BaseRevision { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CurrentRevision { get; init; }

    /// <summary>The elevation the change was requested under (JSON null when none); only in <c>GET /api/mcp/changes/{id}</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? ElevationReference { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Diff { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }
}

/// <summary>The answer of <c>GET /api/mcp/changes</c>.</summary>
internal sealed record ChangeListResponse(IReadOnlyList<ChangeResponse> Items, int Total, int Page, int PageSize);

/// <summary>
/// A tool in the seed's §5.2 shape: the items of <c>GET /api/mcp/tools</c>; with the detail fields <c>GET /api/mcp/tools/{name}</c>;
/// with the history fields the admin view of a stored tool (and a curation write's answer, with <c>revision</c>).
/// </summary>
internal sealed record DiscoveryToolResponse
{
    public required string Name { get; init; }

    public required string? Title { get; init; }

    public required string Description { get; init; }

    public required string Version { get; init; }

    public required string RiskLevel { get; init; }

    public required string? Domain { get; init; }

    public required JsonElement InputSchema { get; init; }

    public required IReadOnlyList<DiscoveryExampleResponse> PositiveExamples { get; init; }

    public required string? ApiEndpoint { get; init; }

    public required string? HttpMethod { get; init; }

    public required IReadOnlyList<string> QueryParams { get; init; }

    public required string? SourceSpec { get; init; }

    /// <summary>The output schema (JSON null when the tool has none); only in the detail.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? OutputSchema { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentHash { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ToolVersionResponse>? Versions { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Served { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StoredName { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? CurrentVersion { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LatestVersion { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Pinned { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Retired { get; init; }

    /// <summary>The curation override (JSON null when none); only with the history fields.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Override { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }
}

/// <summary>The admin view of a stored tool that is not served (retired): its history only.</summary>
internal sealed record StoredToolResponse(
    string Name,
    bool Served,
    string StoredName,
    int CurrentVersion,
    int LatestVersion,
    bool Pinned,
    bool Retired,
    JsonElement? Override,
    IReadOnlyList<ToolVersionResponse> Versions)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }
}

/// <summary>One example of a tool.</summary>
internal sealed record DiscoveryExampleResponse(
    JsonElement Input,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Output);

/// <summary>One version of a tool: the served one (version, content hash, current), or a stored one with its number, time and import.</summary>
internal sealed record ToolVersionResponse
{
    public required string Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Number { get; init; }

    public required string ContentHash { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CreatedAt { get; init; }

    /// <summary>The import that stored the version (JSON null when none); only for a stored version.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? ImportId { get; init; }

    public required bool Current { get; init; }
}

/// <summary>The answer of <c>GET /api/mcp/tools</c>.</summary>
internal sealed record DiscoveryListResponse(IReadOnlyList<DiscoveryToolResponse> Tools, int Total, int Page, int PageSize, IReadOnlyList<string> Domains);

/// <summary>One tool of <c>GET /api/mcp/admin/tools</c>: the summary the list and the detail share.</summary>
internal record AdminToolSummaryResponse(
    string Name,
    string? Title,
    string? Domain,
    string RiskLevel,
    string Source,
    string State,
    string Version,
    string ContentHash,
    string? HttpMethod,
    string? ApiEndpoint,
    string? UpdatedAt);

/// <summary>
/// The answer of <c>GET /api/mcp/admin/tools/{name}</c>: the summary, then the definition exactly as <c>tools/list</c>
/// serves it, the HTTP binding (JSON null when none), the versions and the curation override (JSON null when none).
/// </summary>
internal sealed record AdminToolDetailResponse : AdminToolSummaryResponse
{
    /// <summary>Creates the detail of <paramref name="summary"/> (its fields come first on the wire).</summary>
    public AdminToolDetailResponse(AdminToolSummaryResponse summary, JsonElement definition, AdminToolBindingResponse? binding, IReadOnlyList<AdminToolVersionResponse> versions, JsonElement? @override)
        : base(summary)
    {
        Definition = definition;
        Binding = binding;
        Versions = versions;
        Override = @override;
    }

    [JsonPropertyOrder(1)]
    public JsonElement Definition { get; init; }

    [JsonPropertyOrder(1)]
    public AdminToolBindingResponse? Binding { get; init; }

    [JsonPropertyOrder(1)]
    public IReadOnlyList<AdminToolVersionResponse> Versions { get; init; }

    [JsonPropertyOrder(1)]
    public JsonElement? Override { get; init; }
}

/// <summary>The HTTP binding of <see cref="AdminToolDetailResponse"/>.</summary>
internal sealed record AdminToolBindingResponse(string HttpMethod, string ApiEndpoint, string? Gateway, string? Audience);

/// <summary>One version of <see cref="AdminToolDetailResponse"/> (a staged tool's has no number, time or import).</summary>
internal sealed record AdminToolVersionResponse(string Version, int? Number, string ContentHash, string? CreatedAt, long? SourceImportId, bool Current);

/// <summary>The answer of <c>GET /api/mcp/admin/tools</c>; the items are the index's summaries, serialized once when it was built.</summary>
internal sealed record AdminToolListResponse(IReadOnlyList<PreSerializedJson> Items, int Total, int Page, int PageSize);

/// <summary>A JSON value serialized ahead of time (with this context), written as it is.</summary>
[JsonConverter(typeof(PreSerializedJsonConverter))]
internal readonly record struct PreSerializedJson(byte[] Utf8);

/// <summary>Writes a <see cref="PreSerializedJson"/> as its raw bytes; it is never read.</summary>
internal sealed class PreSerializedJsonConverter : JsonConverter<PreSerializedJson>
{
    public override PreSerializedJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => throw new NotSupportedException("Pre-serialized JSON is written only.");

    public override void Write(Utf8JsonWriter writer, PreSerializedJson value, JsonSerializerOptions options)
        => writer.WriteRawValue(value.Utf8, skipInputValidation: true);
}

/// <summary>The body of <c>PUT /api/mcp/tools/{name}/override</c>; every field may be absent or null, and unknown fields are named by the check.</summary>
internal sealed record OverrideRequest
{
    public bool? Enabled { get; init; }

    public string? RiskLevel { get; init; }

    public string? Name { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string?>? HiddenParameters { get; init; }

    public Dictionary<string, JsonElement>? FixedParameters { get; init; }

    /// <summary>Fields the override does not have (the check names them); settable, as the serializer fills extension data after construction.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>The body of <c>POST /api/mcp/tools/{name}/rollback</c>.</summary>
internal sealed record RollbackRequest(int? Version);

/// <summary>The source-generated JSON of the registry's REST API (snake_case; nulls written unless a field says otherwise).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ImportReportResponse))]
[JsonSerializable(typeof(ImportListResponse))]
[JsonSerializable(typeof(StagedChangeResponse))]
[JsonSerializable(typeof(RevisionResponse))]
[JsonSerializable(typeof(ChangeResponse))]
[JsonSerializable(typeof(ChangeListResponse))]
[JsonSerializable(typeof(DiscoveryToolResponse))]
[JsonSerializable(typeof(StoredToolResponse))]
[JsonSerializable(typeof(DiscoveryListResponse))]
[JsonSerializable(typeof(AdminToolSummaryResponse))]
[JsonSerializable(typeof(AdminToolDetailResponse))]
[JsonSerializable(typeof(AdminToolListResponse))]
[JsonSerializable(typeof(OverrideRequest))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
internal sealed partial class RegistryApiJsonContext : JsonSerializerContext;

/// <summary>Helpers of the registry API's wire.</summary>
internal static class RegistryApiJson
{
    private static readonly JsonElement JsonNull = JsonElement.Parse("null");

    /// <summary>A field that is written even when it is null: the value, or the JSON null.</summary>
    public static JsonElement Present(string? value)
        => value is null ? JsonNull : JsonSerializer.SerializeToElement(value, RegistryApiJsonContext.Default.String);

    /// <summary>A field that is written even when it is null: the value, or the JSON null.</summary>
    public static JsonElement Present(long? value)
        => value is { } v ? JsonSerializer.SerializeToElement(v, RegistryApiJsonContext.Default.Int64) : JsonNull;

    /// <summary>A field that is written even when it is null: the JSON, or the JSON null.</summary>
    public static JsonElement Present(JsonElement? value) => value ?? JsonNull;

    /// <summary>A JSON text (stored canonical JSON, e.g. an override or a diff) as an element.</summary>
    public static JsonElement Parse(string json) => JsonElement.Parse(json);

    /// <summary>The time stamps of the stored-history fields: round-trip format, UTC (<c>2026-01-02T03:04:05.6789012+00:00</c>).</summary>
    public static string RoundTrip(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
