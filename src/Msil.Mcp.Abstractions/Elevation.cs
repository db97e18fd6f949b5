using System.Text.Json;

namespace Msil.Mcp.Abstractions;

/// <summary>A time-limited grant to use privileged tools of one scope (seed §4.2).</summary>
public sealed record ElevationGrant
{
    /// <summary>Gets the user the grant is for, as people and audit records name them (<see cref="CallerIdentity.UserId"/>).</summary>
    public required string UserId { get; init; }

    /// <summary>
    /// Gets the principal the grant is for (<see cref="CallerIdentity.PrincipalKey"/>: issuer and subject). Stores key
    /// grants by it, so a user of another issuer with the same <see cref="UserId"/> never shares the grant.
    /// </summary>
    public required string PrincipalKey { get; init; }

    /// <summary>Gets the scope: a tool name or a configured scope group.</summary>
    public required string Scope { get; init; }

    /// <summary>Gets when the grant was approved.</summary>
    public required DateTimeOffset GrantedAt { get; init; }

    /// <summary>Gets when the grant stops being valid.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Gets the approval system's reference, for example <c>PIM-2026-001234</c>.</summary>
    public required string ApprovalReference { get; init; }

    /// <summary>Gets whether the grant may be used only once.</summary>
    public bool SingleUse { get; init; }

    /// <summary>Gets the SHA-256 of the canonical arguments the grant is bound to, for single-use grants.</summary>
    public string? ArgumentsHash { get; init; }

    /// <summary>Returns whether the grant is active at <paramref name="now"/> for <paramref name="scope"/>.</summary>
    /// <param name="scope">The scope asked for.</param>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> when <c>ExpiresAt &gt; now</c> and the scope matches.</returns>
    public bool IsActive(string scope, DateTimeOffset now) => ExpiresAt > now && string.Equals(Scope, scope, StringComparison.Ordinal);
}

/// <summary>Stores elevation grants, keyed by principal (<see cref="ElevationGrant.PrincipalKey"/>) and scope.</summary>
public interface IElevationGrantStore
{
    /// <summary>Gets the grant for (<paramref name="principalKey"/>, <paramref name="scope"/>), if any, active or not.</summary>
    /// <param name="principalKey">The principal (<see cref="CallerIdentity.PrincipalKey"/>).</param>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The grant, or <see langword="null"/>.</returns>
    ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken);

    /// <summary>Stores a grant, replacing any for the same principal and scope.</summary>
    /// <param name="grant">The grant.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the grant is stored.</returns>
    ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken);

    /// <summary>Removes the grant for (<paramref name="principalKey"/>, <paramref name="scope"/>).</summary>
    /// <param name="principalKey">The principal (<see cref="CallerIdentity.PrincipalKey"/>).</param>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when a grant was removed.</returns>
    ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken);

    /// <summary>Atomically consumes a single-use grant so that two concurrent calls cannot both use it.</summary>
    /// <param name="principalKey">The principal (<see cref="CallerIdentity.PrincipalKey"/>).</param>
    /// <param name="scope">The scope.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The consumed grant, or <see langword="null"/> when none was left.</returns>
    ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken);
}

/// <summary>Decides whether a privileged call may go ahead, and where to get elevated if not.</summary>
public interface IElevationGate
{
    /// <summary>Checks for an active grant for the caller and tool.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="tool">The privileged tool.</param>
    /// <param name="arguments">The call's arguments (for grants bound to specific arguments).</param>
    /// <param name="correlationId">The request's correlation id.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The outcome. A store that cannot be reached yields <see cref="ElevationOutcome.Unavailable"/>: never an allow.</returns>
    ValueTask<ElevationCheck> CheckAsync(CallerIdentity caller, ToolDefinition tool, IReadOnlyDictionary<string, JsonElement> arguments, string correlationId, CancellationToken cancellationToken);
}

/// <summary>The outcome of an elevation check.</summary>
public enum ElevationOutcome
{
    /// <summary>An active grant covers the call.</summary>
    Granted,

    /// <summary>No active grant: the caller must get one at <see cref="ElevationCheck.ElevationUrl"/>.</summary>
    Required,

    /// <summary>The grant store could not be reached; the call is refused.</summary>
    Unavailable,
}

/// <summary>The result of <see cref="IElevationGate.CheckAsync"/>.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Scope">The scope that was checked.</param>
/// <param name="Grant">The grant used, when granted.</param>
/// <param name="ElevationUrl">Where to get elevated, when required.</param>
/// <param name="ElicitationId">The id of the URL elicitation, when required.</param>
public sealed record ElevationCheck(ElevationOutcome Outcome, string Reason, string Scope, ElevationGrant? Grant = null, Uri? ElevationUrl = null, string? ElicitationId = null);
