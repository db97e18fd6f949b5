namespace Msil.Mcp.Abstractions;

/// <summary>Who is calling, as established from a validated token; never taken from the MCP client's word.</summary>
public sealed record CallerIdentity
{
    /// <summary>An unauthenticated caller.</summary>
    public static CallerIdentity Anonymous { get; } = new() { UserId = "anonymous", Subject = "anonymous", IsAuthenticated = false };

    /// <summary>Gets the stable user id (the preferred username when present, else the subject).</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the token's <c>sub</c> claim.</summary>
    public required string Subject { get; init; }

    /// <summary>Gets the directory object id (<c>oid</c>), if any.</summary>
    public string? ObjectId { get; init; }

    /// <summary>Gets the <c>preferred_username</c> claim, if any.</summary>
    public string? PreferredUsername { get; init; }

    /// <summary>Gets the token's issuer.</summary>
    public string? Issuer { get; init; }

    /// <summary>Gets the application roles.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Gets the groups.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>Gets the scopes granted to the token.</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Gets the acting party when the token came from a token exchange, if any.</summary>
    public string? Actor { get; init; }

    /// <summary>Gets whether the caller presented a valid token.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool IsAuthenticated { get; init; } = true;

    /// <summary>Returns whether the caller has <paramref name="role"/> (ordinal, case-insensitive).</summary>
    /// <param name="role">The role name.</param>
    /// <returns><see langword="true"/> when the caller has the role.</returns>
    public bool IsInRole(string role)
    {
        foreach (var r in Roles)
        {
            if (string.Equals(r, role, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
