namespace Msil.Mcp.Testing;

/// <summary>
/// A caller of a <see cref="MsilMcpTestHost"/>: a user name with roles and groups, sent in the
/// <see cref="TestAuthenticationDefaults.HeaderName"/> header and turned into claims by the test authentication scheme
/// (<c>sub</c> = <c>sub-{name}</c>, <c>preferred_username</c>, <c>roles</c>, <c>groups</c>, and <c>scope</c> when the
/// caller has scopes).
/// </summary>
public sealed record TestCaller
{
    private TestCaller(string name, IReadOnlyList<string> roles, IReadOnlyList<string> groups, IReadOnlyList<string> scopes)
    {
        Name = name;
        Roles = roles;
        Groups = groups;
        Scopes = scopes;
    }

    /// <summary>Gets the user name (the <c>preferred_username</c> claim; the subject is <c>sub-{Name}</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the roles (<c>roles</c> claims).</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>Gets the groups (<c>groups</c> claims).</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Gets the scopes the caller's token grants (one space-separated <c>scope</c> claim).</summary>
    /// <value>Defaults to an empty list.</value>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>Creates a caller with roles and no groups.</summary>
    /// <param name="name">The user name: letters, digits, <c>.</c>, <c>_</c>, <c>-</c> and <c>@</c>.</param>
    /// <param name="roles">The roles, with the same characters.</param>
    /// <returns>The caller.</returns>
    /// <exception cref="ArgumentException">A name or role is empty or has another character.</exception>
    public static TestCaller Create(string name, params string[] roles) => WithGroups(name, roles, []);

    /// <summary>Creates a caller with roles and groups.</summary>
    /// <param name="name">The user name: letters, digits, <c>.</c>, <c>_</c>, <c>-</c> and <c>@</c>.</param>
    /// <param name="roles">The roles, with the same characters.</param>
    /// <param name="groups">The groups, with the same characters.</param>
    /// <returns>The caller.</returns>
    /// <exception cref="ArgumentException">A name, role or group is empty or has another character.</exception>
    public static TestCaller WithGroups(string name, IReadOnlyList<string> roles, IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(groups);
        Check(name, nameof(name));
        foreach (var role in roles)
        {
            Check(role, nameof(roles));
        }

        foreach (var group in groups)
        {
            Check(group, nameof(groups));
        }

        return new TestCaller(name, [.. roles], [.. groups], []);
    }

    /// <summary>Gets the token issuer the caller comes from (the <c>iss</c> claim), for tests of callers with the same name from two issuers.</summary>
    /// <value>Defaults to <see langword="null"/>: no <c>iss</c> claim.</value>
    public string? Issuer { get; private init; }

    /// <summary>Returns the same caller from <paramref name="issuer"/>.</summary>
    /// <param name="issuer">The issuer: letters, digits and <c>.</c>, <c>_</c>, <c>-</c>, <c>@</c>, <c>:</c>, <c>/</c>.</param>
    /// <returns>The caller with <see cref="Issuer"/> set.</returns>
    /// <exception cref="ArgumentException"><paramref name="issuer"/> is empty or has another character.</exception>
    public TestCaller FromIssuer(string issuer)
    {
        Check(issuer, nameof(issuer), ":/");
        return this with { Issuer = issuer };
    }

    /// <summary>Returns this caller with a token that grants <paramref name="scopes"/> (and no others).</summary>
    /// <param name="scopes">The scopes: letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, <c>@</c>, <c>:</c> and <c>/</c>.</param>
    /// <returns>The caller.</returns>
    /// <exception cref="ArgumentException">A scope is empty or has another character.</exception>
    public TestCaller WithScopes(params string[] scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        foreach (var scope in scopes)
        {
            Check(scope, nameof(scopes), ":/");
        }

        return new TestCaller(Name, Roles, Groups, [.. scopes]) { Issuer = Issuer };
    }

    /// <summary>
    /// Returns the header value: <c>name|role1,role2|group1</c>, then <c>|scope1,scope2</c> when the caller has scopes
    /// or an issuer, then <c>|issuer</c> when <see cref="Issuer"/> is set.
    /// </summary>
    /// <returns>The value of the <see cref="TestAuthenticationDefaults.HeaderName"/> header.</returns>
    public string ToHeaderValue() => $"{Name}|{string.Join(',', Roles)}|{string.Join(',', Groups)}"
        + (Scopes.Count == 0 && Issuer is null ? string.Empty : "|" + string.Join(',', Scopes))
        + (Issuer is null ? string.Empty : "|" + Issuer);

    private static void Check(string value, string parameter, string more = "")
    {
        if (string.IsNullOrEmpty(value) || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' || more.Contains(c, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{value}' is not a valid test caller value: use letters, digits, '.', '_', '-' and '@' only.", parameter);
        }
    }
}
