using System.Security.Claims;

namespace Msil.Mcp.Abstractions;

/// <summary>Maps a validated principal to a <see cref="CallerIdentity"/>.</summary>
public interface ICallerIdentityResolver
{
    /// <summary>Maps <paramref name="principal"/>.</summary>
    /// <param name="principal">The authenticated principal, or <see langword="null"/>.</param>
    /// <returns>The caller; <see cref="CallerIdentity.Anonymous"/> when not authenticated.</returns>
    CallerIdentity Resolve(ClaimsPrincipal? principal);
}
