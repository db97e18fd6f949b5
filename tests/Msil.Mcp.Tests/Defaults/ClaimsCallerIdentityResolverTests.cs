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
}
