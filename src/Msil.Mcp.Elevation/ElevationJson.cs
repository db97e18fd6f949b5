using System.Text.Json;
using System.Text.Json.Serialization;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>The body of <c>POST /api/pim/check-elevation</c> (seed §4.2).</summary>
internal sealed record CheckElevationRequest
{
    /// <summary>Whose elevation to check; the caller's own when absent.</summary>
    [JsonPropertyName("user_id")]
    public string? UserId { get; init; }

    /// <summary>The principal (issuer and subject) whose elevation to check; the caller's own when absent.</summary>
    [JsonPropertyName("principal_key")]
    public string? PrincipalKey { get; init; }

    /// <summary>The role the caller acts in, echoed and recorded.</summary>
    [JsonPropertyName("role")]
    public string? Role { get; init; }

    /// <summary>The privileged tool's name or scope group (required).</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; init; }
}

/// <summary>The body of <c>POST /api/pim/grants</c>: a grant recorded by the approval system. Every field is checked by
/// <see cref="ElevationEndpoints.ParseGrant"/>, which names each problem.</summary>
internal sealed record GrantRequest
{
    /// <summary>The user the grant is for.</summary>
    [JsonPropertyName("user_id")]
    public string? UserId { get; init; }

    /// <summary>The principal (issuer and subject) the grant is for.</summary>
    [JsonPropertyName("principal_key")]
    public string? PrincipalKey { get; init; }

    /// <summary>The tool or scope group granted.</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    /// <summary>The approval system's reference of the approval.</summary>
    [JsonPropertyName("approval_reference")]
    public string? ApprovalReference { get; init; }

    /// <summary>When the approval was given (ISO 8601); now when absent. Text, so a bad time is named, not a type error.</summary>
    [JsonPropertyName("granted_at")]
    public string? GrantedAt { get; init; }

    /// <summary>When the grant ends (ISO 8601); the default lifetime after <see cref="GrantedAt"/> when absent.</summary>
    [JsonPropertyName("expires_at")]
    public string? ExpiresAt { get; init; }

    /// <summary>Whether the grant is consumed by its first use.</summary>
    [JsonPropertyName("single_use")]
    public bool? SingleUse { get; init; }

    /// <summary>The hex SHA-256 of the canonical arguments the grant is bound to.</summary>
    [JsonPropertyName("arguments_hash")]
    public string? ArgumentsHash { get; init; }

    /// <summary>The tool arguments the grant is bound to (hashed here).</summary>
    [JsonPropertyName("arguments")]
    public Dictionary<string, JsonElement>? Arguments { get; init; }
}

/// <summary>The answer of <c>POST /api/pim/check-elevation</c> when an active grant covers the scope: the grant, flagged.</summary>
internal sealed record ElevatedAnswer : GrantAnswer
{
    /// <summary>Creates the answer for an active grant.</summary>
    public ElevatedAnswer(GrantAnswer grant)
        : base(grant)
    {
    }

    /// <summary>Whether the caller is elevated (always so in this answer).</summary>
    [JsonPropertyName("elevated")]
    [JsonPropertyOrder(-2)]
    public bool Elevated { get; init; } = true;

    /// <summary>Whether the call needs an approval first (never in this answer).</summary>
    [JsonPropertyName("requires_elevation")]
    [JsonPropertyOrder(-1)]
    public bool RequiresElevation { get; init; }

    /// <summary>The role the caller sent, echoed; left out when none was sent.</summary>
    [JsonPropertyName("role")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }
}

/// <summary>The answer of <c>POST /api/pim/check-elevation</c> when no active grant covers the scope.</summary>
internal sealed record ElevationRequiredAnswer(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("principal_key")] string PrincipalKey,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("elevation_url")] string ElevationUrl)
{
    /// <summary>Always <see langword="false"/>.</summary>
    [JsonPropertyName("elevated")]
    [JsonPropertyOrder(-2)]
    public bool Elevated { get; init; }

    /// <summary>Always <see langword="true"/>.</summary>
    [JsonPropertyName("requires_elevation")]
    [JsonPropertyOrder(-1)]
    public bool RequiresElevation { get; init; } = true;

    /// <summary>The role the caller sent, echoed; left out when none was sent.</summary>
    [JsonPropertyName("role")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }
}

/// <summary>A grant as <c>POST /api/pim/grants</c> returns it (seed §4.2 field names).</summary>
internal record GrantAnswer(
    [property: JsonPropertyName("user_id")] string UserId,
    [property: JsonPropertyName("principal_key")] string PrincipalKey,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("granted_at")] string GrantedAt,
    [property: JsonPropertyName("expires_at")] string ExpiresAt,
    [property: JsonPropertyName("approval_reference")] string ApprovalReference,
    [property: JsonPropertyName("single_use")] bool SingleUse,
    [property: JsonPropertyName("arguments_hash")] string? ArgumentsHash)
{
    /// <summary>The wire form of <paramref name="grant"/>.</summary>
    public static GrantAnswer From(ElevationGrant grant) => new(
        grant.UserId, grant.PrincipalKey, grant.Scope, GrantJson.FormatTime(grant.GrantedAt), GrantJson.FormatTime(grant.ExpiresAt),
        grant.ApprovalReference, grant.SingleUse, grant.ArgumentsHash);
}

/// <summary>One active grant in <c>GET /api/pim/grants</c>.</summary>
internal sealed record GrantListItem(
    [property: JsonPropertyName("principal_key")] string PrincipalKey,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("tool")] string? Tool,
    [property: JsonPropertyName("granted_at")] string GrantedAt,
    [property: JsonPropertyName("expires_at")] string ExpiresAt,
    [property: JsonPropertyName("approval_reference")] string ApprovalReference,
    [property: JsonPropertyName("single_use")] bool SingleUse);

/// <summary>One pending elevation request in <c>GET /api/pim/requests</c>.</summary>
internal sealed record RequestListItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("principal_key")] string PrincipalKey,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("requested_at")] string RequestedAt,
    [property: JsonPropertyName("expires_at")] string ExpiresAt,
    [property: JsonPropertyName("approval_url")] string ApprovalUrl);

/// <summary>One page of a list: the items, how many there are in all, and which page this is.</summary>
internal sealed record ElevationPage<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize);

/// <summary>The source-generated metadata of the elevation REST API's bodies (no reflection, trimming- and AOT-safe).</summary>
[JsonSerializable(typeof(CheckElevationRequest))]
[JsonSerializable(typeof(GrantRequest))]
[JsonSerializable(typeof(ElevatedAnswer))]
[JsonSerializable(typeof(ElevationRequiredAnswer))]
[JsonSerializable(typeof(GrantAnswer))]
[JsonSerializable(typeof(ElevationPage<GrantListItem>))]
[JsonSerializable(typeof(ElevationPage<RequestListItem>))]
internal sealed partial class ElevationJsonContext : JsonSerializerContext;
