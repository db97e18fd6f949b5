using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>
/// A store that can consume a single-use grant only when it is bound to the call's arguments, in one atomic step, so a
/// grant for other arguments is never used up by a call it does not cover. Both stores of this package implement it;
/// for any other <see cref="IElevationGrantStore"/> the gate falls back to read, compare, then
/// <see cref="IElevationGrantStore.ConsumeAsync"/>.
/// </summary>
internal interface IArgumentBoundGrantStore
{
    /// <summary>Consumes the grant for (user, scope) if it is single-use and bound to <paramref name="argumentsHash"/> or to no arguments.</summary>
    ValueTask<ConsumeResult> TryConsumeAsync(string principalKey, string scope, string argumentsHash, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IArgumentBoundGrantStore.TryConsumeAsync"/> found.</summary>
internal enum ConsumeStatus
{
    /// <summary>No grant (none was stored, it expired, or another call consumed it first).</summary>
    NotFound,

    /// <summary>The single-use grant was removed and may be used by this call only.</summary>
    Consumed,

    /// <summary>The grant is bound to other arguments; it was left in place.</summary>
    ArgumentsMismatch,

    /// <summary>The grant is reusable (it was replaced meanwhile); it was left in place.</summary>
    Reusable,
}

/// <summary>The result of <see cref="IArgumentBoundGrantStore.TryConsumeAsync"/>.</summary>
internal readonly record struct ConsumeResult(ConsumeStatus Status, ElevationGrant? Grant);
