using System.Collections.Concurrent;
using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>The embedded grant store: grants in memory by principal and scope, expired ones dropped when read. One instance only.</summary>
internal sealed class InMemoryElevationGrantStore(TimeProvider time) : IElevationGrantStore, IArgumentBoundGrantStore, IElevationGrantListing
{
    private readonly ConcurrentDictionary<(string Principal, string Scope), ElevationGrant> _grants = new();

    public ValueTask<ElevationGrant?> GetAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        if (_grants.TryGetValue((principalKey, scope), out var grant))
        {
            if (grant.ExpiresAt > time.GetUtcNow())
            {
                return new(grant);
            }

            _grants.TryRemove(new KeyValuePair<(string, string), ElevationGrant>((principalKey, scope), grant));
        }

        return new((ElevationGrant?)null);
    }

    public ValueTask<IReadOnlyList<ElevationGrant>> ListActiveAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return new([.. _grants.Values.Where(g => g.ExpiresAt > now)]);
    }

    public ValueTask SaveAsync(ElevationGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        _grants[(grant.PrincipalKey, grant.Scope)] = grant;
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RevokeAsync(string principalKey, string scope, CancellationToken cancellationToken)
        => new(_grants.TryRemove((principalKey, scope), out _));

    public ValueTask<ElevationGrant?> ConsumeAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        // TryRemove is atomic: of two concurrent consumers exactly one gets the grant.
        if (_grants.TryRemove((principalKey, scope), out var grant) && grant.ExpiresAt > time.GetUtcNow())
        {
            return new(grant);
        }

        return new((ElevationGrant?)null);
    }

    public ValueTask<ConsumeResult> TryConsumeAsync(string principalKey, string scope, string argumentsHash, CancellationToken cancellationToken)
    {
        var key = (principalKey, scope);
        if (!_grants.TryGetValue(key, out var grant) || grant.ExpiresAt <= time.GetUtcNow())
        {
            return new(new ConsumeResult(ConsumeStatus.NotFound, null));
        }

        if (!grant.SingleUse)
        {
            return new(new ConsumeResult(ConsumeStatus.Reusable, grant));
        }

        if (grant.ArgumentsHash is not null && !string.Equals(grant.ArgumentsHash, argumentsHash, StringComparison.OrdinalIgnoreCase))
        {
            return new(new ConsumeResult(ConsumeStatus.ArgumentsMismatch, grant));
        }

        // Removes only this very grant: if it was consumed or replaced meanwhile, this call gets nothing.
        return _grants.TryRemove(new KeyValuePair<(string, string), ElevationGrant>(key, grant))
            ? new(new ConsumeResult(ConsumeStatus.Consumed, grant))
            : new(new ConsumeResult(ConsumeStatus.NotFound, null));
    }
}
