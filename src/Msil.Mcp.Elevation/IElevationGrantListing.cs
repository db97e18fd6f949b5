using Msil.Mcp.Abstractions;

namespace Msil.Mcp.Elevation;

/// <summary>
/// Lists the active grants of a grant store, for <c>GET /api/pim/grants</c>. The embedded stores (memory and Redis)
/// implement it; a custom <see cref="IElevationGrantStore"/> that does not is answered 501 there.
/// </summary>
public interface IElevationGrantListing
{
    /// <summary>Returns every grant that has not expired, in no particular order.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The active grants.</returns>
    ValueTask<IReadOnlyList<ElevationGrant>> ListActiveAsync(CancellationToken cancellationToken);
}
