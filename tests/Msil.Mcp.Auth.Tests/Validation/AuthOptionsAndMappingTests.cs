using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Validation;

/// <summary>Claim mapping per issuer, scope step-up, and start-up validation of the options.</summary>
public sealed class AuthOptionsAndMappingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Authenticate_KeycloakRealmRoles_MappedToRoles()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o => o.Issuers.Add(new OidcIssuerOptions
        {
            Issuer = idp.Issuer,
            RequireHttpsMetadata = false,
            RolesClaim = "realm_access.roles",
        }));
        var claims = idp.Forge.Claims();
        claims.Remove("roles");
        claims["realm_access"] = new JsonObject { ["roles"] = new JsonArray("operator", "auditor") };

        using var response = await host.WhoAmIAsync(idp.Forge.Sign(claims));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(["operator", "auditor"], body.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Authorize_MissingRequiredScope_403InsufficientScope()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false });
            o.RequiredScopes.Add("mcp:tools");
            o.RequiredScopes.Add("mcp:admin");
        });

        using var response = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"mcp:tools mcp:admin\"", challenge, StringComparison.Ordinal);

        var claims = idp.Forge.Claims();
        claims["scope"] = "mcp:tools mcp:admin";
        using var allowed = await host.WhoAmIAsync(idp.Forge.Sign(claims));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Challenge_ScopesConfigured_401NamesScopesAndResourceMetadata()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false });
            o.Scopes.Add("mcp:tools");
        });

        using var response = await host.WhoAmIAsync(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("resource_metadata=", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"mcp:tools\"", challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DevelopmentIssuerInProduction_RefusedNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(o => o.DevelopmentIssuer.Enabled = true, environment: "Production"));

        Assert.Contains("Msil:Mcp:Auth:DevelopmentIssuer:Enabled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoIssuer_RefusedWithFix()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(_ => { }));

        Assert.Contains("Msil:Mcp:Auth:Issuers:0:Issuer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnlySymmetricAlgorithms_Refused()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = "https://login.example/tenant/v2.0" });
            o.ValidAlgorithms.Clear();
            o.ValidAlgorithms.Add("HS256");
            o.ValidAlgorithms.Add("none");
        }));

        Assert.Contains("ValidAlgorithms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PlainHttpIssuerWithoutOptOut_Refused()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(o => o.Issuers.Add(new OidcIssuerOptions { Issuer = "http://idp.example" })));

        Assert.Contains("RequireHttpsMetadata", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(512, 10, "Msil:Mcp:Auth:MaxTokenBytes")]
    [InlineData(2 * 1024 * 1024, 10, "Msil:Mcp:Auth:MaxTokenBytes")]
    [InlineData(16 * 1024, -1, "Msil:Mcp:Auth:ValidatedTokenCacheSize")]
    [InlineData(16 * 1024, 2_000_000, "Msil:Mcp:Auth:ValidatedTokenCacheSize")]
    public async Task Start_BoundOutOfRange_RefusedNamingTheKey(int maxTokenBytes, int cacheSize, string key)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = "https://login.example/tenant/v2.0" });
            o.MaxTokenBytes = maxTokenBytes;
            o.ValidatedTokenCacheSize = cacheSize;
        }));

        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyAudience_RefusedOnceNamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = "https://login.example/tenant/v2.0" });
            o.Audience = " ";
        }));

        Assert.Single(ex.Failures, f => f.Contains("Msil:Mcp:Auth:Audience", StringComparison.Ordinal));
    }
}
