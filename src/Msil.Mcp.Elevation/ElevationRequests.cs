using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Elevation;

/// <summary>
/// A pending elevation request: a privileged call was answered "elevation required" (-32042) and no grant has been
/// recorded for the caller and scope since. Kept for <see cref="ElevationOptions.PendingRequestLifetime"/>.
/// </summary>
/// <param name="Id">The request's id (<c>req_…</c>).</param>
/// <param name="PrincipalKey">The caller's principal key.</param>
/// <param name="UserId">The caller's user id, for people.</param>
/// <param name="Tool">The tool called.</param>
/// <param name="Scope">The scope a grant is needed for.</param>
/// <param name="RequestedAt">When the call was answered.</param>
/// <param name="ExpiresAt">When the request is forgotten.</param>
/// <param name="ApprovalUrl">Where the caller was sent to get the grant approved.</param>
internal sealed record ElevationRequest(string Id, string PrincipalKey, string UserId, string Tool, string Scope, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt, string ApprovalUrl);

/// <summary>The pending elevation requests, one per principal and scope (a repeated request replaces the earlier one).</summary>
internal interface IElevationRequestStore
{
    /// <summary>Records a request, replacing any for the same principal and scope, and drops the oldest beyond <see cref="ElevationOptions.MaxPendingRequests"/>.</summary>
    ValueTask AddAsync(ElevationRequest request, CancellationToken cancellationToken);

    /// <summary>Forgets the request of a principal and scope (a grant was recorded for it).</summary>
    ValueTask RemoveAsync(string principalKey, string scope, CancellationToken cancellationToken);

    /// <summary>Returns the requests that have not expired, newest first.</summary>
    ValueTask<IReadOnlyList<ElevationRequest>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The embedded pending-request store: this process's memory.</summary>
internal sealed class InMemoryElevationRequestStore(IOptionsMonitor<ElevationOptions> options, TimeProvider time) : IElevationRequestStore
{
    private readonly ConcurrentDictionary<(string Principal, string Scope), ElevationRequest> _requests = new();

    public ValueTask AddAsync(ElevationRequest request, CancellationToken cancellationToken)
    {
        _requests[(request.PrincipalKey, request.Scope)] = request;
        var max = options.CurrentValue.MaxPendingRequests;
        if (_requests.Count > max)
        {
            Prune();
            foreach (var oldest in _requests.OrderBy(r => r.Value.RequestedAt).Take(Math.Max(0, _requests.Count - max)).ToList())
            {
                _requests.TryRemove(oldest);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(string principalKey, string scope, CancellationToken cancellationToken)
    {
        _requests.TryRemove((principalKey, scope), out _);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<ElevationRequest>> ListAsync(CancellationToken cancellationToken)
    {
        Prune();
        return new([.. _requests.Values.OrderByDescending(r => r.RequestedAt).ThenBy(r => r.Id, StringComparer.Ordinal)]);
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var entry in _requests)
        {
            if (entry.Value.ExpiresAt <= now)
            {
                _requests.TryRemove(entry);
            }
        }
    }
}
