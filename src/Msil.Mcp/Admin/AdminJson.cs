using System.Globalization;
using System.Text.Json.Serialization;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Admin;

/// <summary>The answer of <c>GET /api/mcp/me</c>.</summary>
internal sealed record MeResponse(string Subject, string? Issuer, string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups, IReadOnlyList<string> Permissions);

/// <summary>One user of <c>GET /api/users</c> and <c>GET /api/users/{principal_key}</c>.</summary>
internal sealed record UserResponse(
    string PrincipalKey, string Subject, string? Issuer, string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Groups,
    string? FirstSeen, string? LastSeen, long Calls, long Denials)
{
    public static UserResponse From(UserRecord u) => new(u.PrincipalKey, u.Subject, u.Issuer, u.Name, u.Roles, u.Groups,
        AdminJsonTime.Format(u.FirstSeen), AdminJsonTime.Format(u.LastSeen), u.Calls, u.Denials);
}

/// <summary>A page of <c>GET /api/users</c>.</summary>
internal sealed record UserPageResponse(IReadOnlyList<UserResponse> Items, long Total, int Page, int PageSize);

/// <summary>The answer of <c>GET /api/mcp/admin/health</c>.</summary>
internal sealed record AdminHealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks, IReadOnlyList<GatewayResponse> Gateways, long? AuditOutboxLag, RatesResponse Rates);

/// <summary>One readiness check of <see cref="AdminHealthResponse"/>.</summary>
internal sealed record HealthCheckResponse(string Name, string Status, string? Description, double DurationMs);

/// <summary>One gateway circuit of <see cref="AdminHealthResponse"/>.</summary>
internal sealed record GatewayResponse(string Name, string Circuit);

/// <summary>The call rates of <see cref="AdminHealthResponse"/>.</summary>
internal sealed record RatesResponse(int WindowSeconds, int BucketSeconds, IReadOnlyList<RateBucketResponse> Buckets);

/// <summary>One bucket of <see cref="RatesResponse"/>.</summary>
internal sealed record RateBucketResponse(string? At, long Calls, long Denials, long Errors);

/// <summary>The body of <c>POST /api/policy/simulate</c>; every field may be absent or null.</summary>
internal sealed record SimulationRequest(string? User, string[]? Roles, string[]? Groups, string? Tool, string? Domain);

/// <summary>The answer of <c>POST /api/policy/simulate</c>.</summary>
internal sealed record SimulationResponse(IReadOnlyList<SimulationResult> Results);

/// <summary>One tool's decisions in <see cref="SimulationResponse"/>.</summary>
internal sealed record SimulationResult(string Tool, string RiskLevel, SimulatedDecision List, SimulatedDecision Execute);

/// <summary>A simulated decision.</summary>
internal sealed record SimulatedDecision(bool Allowed, string? Reason, string? DecisionId);

/// <summary>The source-generated JSON of the core's admin API (snake_case, nulls written, as the contract has them).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(UserResponse))]
[JsonSerializable(typeof(UserPageResponse))]
[JsonSerializable(typeof(AdminHealthResponse))]
[JsonSerializable(typeof(SimulationRequest))]
[JsonSerializable(typeof(SimulationResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;

/// <summary>The admin API's time stamps: ISO-8601 UTC with milliseconds (<c>2026-01-02T03:04:05.678Z</c>).</summary>
internal static class AdminJsonTime
{
    public static string? Format(DateTimeOffset? value)
        => value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
