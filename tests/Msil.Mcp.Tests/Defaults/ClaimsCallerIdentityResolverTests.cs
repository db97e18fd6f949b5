using System.Security.Claims;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Defaults;

namespace Msil.Mcp.Tests.Defaults;

/// <summary>The caller from token claims: the display user id and the principal key every security decision is keyed by.</summary>
public sealed class ClaimsCallerIdentityResolverTests
{
    private static ClaimsPrincipal Token(string issuer, string sub, string username)
        => new(new ClaimsIdentity([new Claim("iss", issuer), new Claim("sub", sub), new Claim("preferred_username", username)], "Bearer"));

    [Fact]
    public void Resolve_SameUserNameFromTwoIssuers_SameUserIdButDifferentPrincipalKeys()
    {
        var resolver = new ClaimsCallerIdentityResolver();

        var a = resolver.Resolve(Token("https://idp-a.example", "0001", "alice"));
        var b = resolver.Resolve(Token("https://idp-b.example", "0001", "alice"));

        Assert.Equal(a.UserId, b.UserId);
        Assert.Equal("https://idp-a.example|0001", a.PrincipalKey);
        Assert.NotEqual(a.PrincipalKey, b.PrincipalKey);
    }

    [Fact]
    public void KeyFor_IssuerWithTheSeparator_CannotCollideWithAnotherPair()
    {
        Assert.NotEqual(CallerIdentity.KeyFor("a|b", "c"), CallerIdentity.KeyFor("a", "b|c"));
        Assert.Equal("urn:msil-mcp:local|anonymous", CallerIdentity.Anonymous.PrincipalKey);
        Assert.Equal(CallerIdentity.KeyFor(null, "x"), CallerIdentity.KeyFor(string.Empty, "x"));
    }

    [Fact]
    public void Resolve_SharedIdentity_ReusesTheCallerAndItsPrincipalKey()
    {
        var resolver = new ClaimsCallerIdentityResolver();
        var identity = new SharedIdentity([new Claim("iss", "https://idp.example"), new Claim("sub", "0001"), new Claim("roles", "reader")]);

        var first = resolver.Resolve(new ClaimsPrincipal(identity), out var firstKey);
        var second = resolver.Resolve(new ClaimsPrincipal(identity), out var secondKey);

        Assert.Same(first, second);
        Assert.Equal("https://idp.example|0001", firstKey);
        Assert.Same(firstKey, secondKey);
        Assert.Equal(new[] { "reader" }, second.Roles);
        Assert.Same(first, resolver.Resolve(new ClaimsPrincipal(identity)));
    }

    [Fact]
    public void Resolve_SharedIdentity_ListsCannotBeChangedThroughACast()
    {
        var resolver = new ClaimsCallerIdentityResolver();
        var identity = new SharedIdentity([new Claim("sub", "0001"), new Claim("roles", "reader"), new Claim("groups", "g"), new Claim("scope", "a b")]);

        var caller = resolver.Resolve(new ClaimsPrincipal(identity));

        // The caller serves every request of the token: one request's code must not be able to grant the next one a role.
        Assert.Throws<NotSupportedException>(() => ((IList<string>)caller.Roles).Add("admin"));
        Assert.Throws<NotSupportedException>(() => ((IList<string>)caller.Groups)[0] = "admins");
        Assert.Throws<NotSupportedException>(() => ((ICollection<string>)caller.Scopes).Clear());
        Assert.Equal(new[] { "reader" }, resolver.Resolve(new ClaimsPrincipal(identity)).Roles);
    }

    [Fact]
    public void Resolve_AnotherSharedIdentity_GetsItsOwnCaller()
    {
        var resolver = new ClaimsCallerIdentityResolver();
        var a = resolver.Resolve(new ClaimsPrincipal(new SharedIdentity([new Claim("sub", "a")])));
        var b = resolver.Resolve(new ClaimsPrincipal(new SharedIdentity([new Claim("sub", "b")])));

        Assert.Equal("a", a.Subject);
        Assert.Equal("b", b.Subject);
    }

    [Fact]
    public void Resolve_SharedIdentityWithASecondIdentity_ResolvedPerCallWithBothIdentitiesClaims()
    {
        var resolver = new ClaimsCallerIdentityResolver();
        var shared = new SharedIdentity([new Claim("sub", "0001")]);
        Assert.Empty(resolver.Resolve(new ClaimsPrincipal(shared)).Roles); // the shared identity now keeps a caller without roles

        var principal = new ClaimsPrincipal(shared);
        principal.AddIdentity(new ClaimsIdentity([new Claim("roles", "admin")], "transformation"));
        var caller = resolver.Resolve(principal, out var key);

        Assert.Equal(new[] { "admin" }, caller.Roles);
        Assert.Null(key);
    }

    [Fact]
    public void Resolve_OrdinaryIdentity_ResolvedPerCall()
    {
        var resolver = new ClaimsCallerIdentityResolver();
        var identity = new ClaimsIdentity([new Claim("sub", "0001")], "Bearer");

        var first = resolver.Resolve(new ClaimsPrincipal(identity), out var key);

        Assert.NotSame(first, resolver.Resolve(new ClaimsPrincipal(identity)));
        Assert.Null(key);
    }

    /// <summary>Like the validated-token cache's identity: authenticated, shared, with a slot for the caller.</summary>
    private sealed class SharedIdentity(IEnumerable<Claim> claims) : ClaimsIdentity(claims, "Bearer"), ICallerIdentityCache
    {
        public object? ResolvedCaller { get; set; }
    }
}
