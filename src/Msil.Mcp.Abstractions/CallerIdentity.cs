namespace Msil.Mcp.Abstractions;

/// <summary>Who is calling, as established from a validated token; never taken from the MCP client's word.</summary>
public sealed record CallerIdentity
{
    /// <summary>An unauthenticated caller.</summary>
    public static CallerIdentity Anonymous { get; } = new() { UserId = "anonymous", Subject = "anonymous", IsAuthenticated = false };

    /// <summary>The issuer a <see cref="PrincipalKey"/> names when the identity has none (identities made in code).</summary>
    public const string LocalIssuer = "urn:msil-mcp:local";

    /// <summary>Gets the user id shown to people and written to audit records (the preferred username when present, else the subject).</summary>
    /// <remarks>
    /// Not unique: two issuers may both have a user <c>alice</c>. Never key a security decision by it; use
    /// <see cref="PrincipalKey"/>.
    /// </remarks>
    public required string UserId { get; init; }

    /// <summary>
    /// Gets the stable key of the principal, unique across issuers: <see cref="KeyFor"/> of <see cref="Issuer"/> and
    /// <see cref="Subject"/>. Everything the server remembers about a caller for authorisation is keyed by it: elevation
    /// grants, rate-limit buckets, task ownership and the binding of an input-required request state.
    /// </summary>
    /// <value>
    /// <c>{issuer}|{subject}</c>; <see cref="LocalIssuer"/> stands for a missing issuer, so <see cref="Anonymous"/> is
    /// always <c>urn:msil-mcp:local|anonymous</c>.
    /// </value>
    public string PrincipalKey => KeyFor(Issuer, Subject);

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

    /// <summary>Returns the principal key of the subject <paramref name="subject"/> of <paramref name="issuer"/> (see <see cref="PrincipalKey"/>).</summary>
    /// <param name="issuer">The token's issuer; <see langword="null"/> or empty for <see cref="LocalIssuer"/>.</param>
    /// <param name="subject">The token's subject.</param>
    /// <returns><c>{issuer}|{subject}</c>, with <c>%</c> and <c>|</c> in the issuer percent-encoded so that no two pairs give the same key.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="subject"/> is <see langword="null"/>.</exception>
    public static string KeyFor(string? issuer, string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var iss = string.IsNullOrEmpty(issuer) ? LocalIssuer : issuer;
        if (iss.AsSpan().IndexOfAny('%', '|') >= 0)
        {
            iss = iss.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);
        }

        return string.Concat(iss, "|", subject);
    }

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
