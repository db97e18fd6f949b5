namespace Msil.Mcp.Abstractions;

/// <summary>
/// Implemented by a claims identity that is shared by many requests and whose claims never change (adding or removing a
/// claim throws), with room for what an <see cref="ICallerIdentityResolver"/> derived from it.
/// </summary>
/// <remarks>
/// The bearer handler's validated-token cache hands out one such identity per cached token, for no longer than the token
/// is valid. The default resolver keeps the caller it resolved here, so the caller (roles, groups, scopes, principal key)
/// is made once per token instead of once per call. A resolver of the host's own may ignore it.
/// </remarks>
public interface ICallerIdentityCache
{
    /// <summary>Gets or sets what the resolver derived from this identity, or <see langword="null"/> before the first resolution.</summary>
    /// <value>Opaque to anyone but the resolver that set it; <see langword="null"/> until then.</value>
    object? ResolvedCaller { get; set; }
}
