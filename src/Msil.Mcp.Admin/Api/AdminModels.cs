using System.Text.Json;

namespace Msil.Mcp.Admin.Api;

/// <summary>One page of a list answer: <c>{ items, total, page, page_size }</c>.</summary>
internal sealed record AdminPage<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize)
{
    public static AdminPage<T> Empty { get; } = new([], 0, 1, 50);
}

/// <summary>A tool in the catalog list.</summary>
internal sealed record ToolSummary(
    string Name,
    string? Title,
    string? Domain,
    string? RiskLevel,
    string? Source,
    string? State,
    string? Version,
    string? ContentHash,
    string? HttpMethod,
    string? ApiEndpoint,
    DateTimeOffset? UpdatedAt);

/// <summary>A tool's HTTP binding.</summary>
internal sealed record ToolBinding(string? HttpMethod, string? ApiEndpoint, string? Gateway, string? Audience);

/// <summary>A stored version of a tool: <c>version</c> as served (<c>3.0.0</c>), <c>number</c> as the rollback API takes it.</summary>
internal sealed record ToolVersion(string? Version, int? Number, string? ContentHash, DateTimeOffset? CreatedAt, long? SourceImportId, bool? Current);

/// <summary>A tool's detail: the summary, its definition as served, binding, versions and curation overlay.</summary>
internal sealed record ToolDetail(
    string Name,
    string? Title,
    string? Domain,
    string? RiskLevel,
    string? Source,
    string? State,
    string? Version,
    string? ContentHash,
    string? HttpMethod,
    string? ApiEndpoint,
    DateTimeOffset? UpdatedAt,
    JsonElement? Definition,
    ToolBinding? Binding,
    IReadOnlyList<ToolVersion>? Versions,
    JsonElement? Override);

/// <summary>The filters of the tools list.</summary>
internal sealed record ToolQuery(string? Search, string? Domain, string? RiskLevel, string? Source, string? State, int Page, int PageSize);

/// <summary>One tool in an import's diff.</summary>
internal sealed record ImportChange(string Name, string? Reason, int? FromVersion, int? ToVersion, int? NewVersion, IReadOnlyList<string>? ChangedFields);

/// <summary>A diagnostic of the import.</summary>
internal sealed record ImportDiagnostic(string? Operation, string? Severity, string? Code, string? Message, bool? Skipped);

/// <summary>The import report (dry run or applied), or a staged change (202).</summary>
internal sealed record ImportReport
{
    public string? Source { get; init; }
    public bool DryRun { get; init; }
    public bool Stored { get; init; }
    public int? Operations { get; init; }
    public int? Tools { get; init; }
    public IReadOnlyList<ImportChange>? Added { get; init; }
    public IReadOnlyList<ImportChange>? Changed { get; init; }
    public IReadOnlyList<ImportChange>? Removed { get; init; }
    public IReadOnlyList<ImportChange>? Conflicts { get; init; }
    public int? Unchanged { get; init; }
    public IReadOnlyList<ImportDiagnostic>? Report { get; init; }
    public string? ChangeId { get; init; }
    public string? State { get; init; }
    public string? Detail { get; init; }
}

/// <summary>The answer of a write that may be staged for a second admin (202 <c>{ change_id, state }</c>).</summary>
internal sealed record WriteResult(int Status, string? ChangeId, string? State)
{
    public bool Staged => Status == 202;
}

/// <summary>A staged change awaiting (or past) a second admin's decision.</summary>
internal sealed record ChangeSummary(
    string Id,
    string? Kind,
    string? Tool,
    string? Source,
    string? Summary,
    string? RequestedBy,
    DateTimeOffset? RequestedAt,
    string? State,
    string? DecidedBy,
    DateTimeOffset? DecidedAt);

/// <summary>An audit record in the search list.</summary>
internal sealed record AuditItem(
    long Sequence,
    DateTimeOffset? Timestamp,
    string? User,
    string? Tool,
    string? Action,
    string? Outcome,
    string? Decision,
    string? DecisionId,
    string? Reason,
    string? CorrelationId,
    int? BackendStatus,
    double? DurationMs);

/// <summary>The audit search filters.</summary>
internal sealed record AuditQuery(
    string? User,
    string? Tool,
    string? Outcome,
    string? Decision,
    string? DecisionId,
    string? CorrelationId,
    string? Action,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Store,
    int Page,
    int PageSize);

/// <summary>The result of an audit chain verification.</summary>
internal sealed record VerifyResult(string Store, bool Ok, long RecordsChecked, long? FirstBrokenSequence, string? Reason, double? DurationMs);

/// <summary>A policy simulation request: a user (or roles and groups) and exactly one of a tool or a domain.</summary>
internal sealed record SimulateRequest(string? User, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Groups, string? Tool, string? Domain);

/// <summary>One decision of a simulation.</summary>
internal sealed record SimulatedDecision(bool Allowed, string? Reason, string? DecisionId);

/// <summary>The simulated list and execute decisions for one tool.</summary>
internal sealed record SimulateResult(string Tool, string? RiskLevel, SimulatedDecision? List, SimulatedDecision? Execute);

/// <summary>The simulation answer.</summary>
internal sealed record SimulateResponse(IReadOnlyList<SimulateResult> Results);

/// <summary>An active elevation grant.</summary>
internal sealed record GrantItem(
    string PrincipalKey,
    string? User,
    string Scope,
    string? Tool,
    DateTimeOffset? GrantedAt,
    DateTimeOffset? ExpiresAt,
    string? ApprovalReference,
    bool SingleUse);

/// <summary>A pending elevation request.</summary>
internal sealed record ElevationRequestItem(
    string Id,
    string? PrincipalKey,
    string? User,
    string? Tool,
    string? Scope,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? ExpiresAt,
    string? ApprovalUrl);

/// <summary>A caller the server has seen.</summary>
internal sealed record UserItem(
    string PrincipalKey,
    string? Subject,
    string? Issuer,
    string? Name,
    IReadOnlyList<string>? Roles,
    IReadOnlyList<string>? Groups,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    long Calls,
    long Denials);

/// <summary>A health check.</summary>
internal sealed record HealthCheckItem(string Name, string? Status, string? Description, double? DurationMs);

/// <summary>A gateway's circuit state.</summary>
internal sealed record GatewayItem(string Name, string? Circuit);

/// <summary>One bucket of the rates.</summary>
internal sealed record RateBucket(DateTimeOffset At, long Calls, long Denials, long Errors);

/// <summary>The rates over the last minutes.</summary>
internal sealed record HealthRates(int WindowSeconds, IReadOnlyList<RateBucket>? Buckets);

/// <summary>The server's health for operators.</summary>
internal sealed record HealthReport(
    string? Status,
    IReadOnlyList<HealthCheckItem>? Checks,
    IReadOnlyList<GatewayItem>? Gateways,
    long? AuditOutboxLag,
    HealthRates? Rates);
