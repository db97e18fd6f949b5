using Msil.Mcp.Conformance;

namespace Msil.Mcp.Auth.Tests;

/// <summary><c>AddMsilAuth(IConfiguration)</c> binds through the configuration binding source generator: every key of docs/configuration.md lands in the options.</summary>
public sealed class AuthConfigurationBindingTests
{
    private static readonly Dictionary<string, string?> Values = new()
    {
        ["Msil:Mcp:Auth:Audience"] = "api://orders",
        ["Msil:Mcp:Auth:Issuers:0:Issuer"] = "https://login.example/tenant/v2.0",
        ["Msil:Mcp:Auth:Issuers:0:MetadataAddress"] = "https://login.example/tenant/v2.0/.well-known/openid-configuration",
        ["Msil:Mcp:Auth:Issuers:0:RequireHttpsMetadata"] = "false",
        ["Msil:Mcp:Auth:Issuers:0:AdditionalAudiences:0"] = "client-id",
        ["Msil:Mcp:Auth:Issuers:0:RolesClaim"] = "realm_access.roles",
        ["Msil:Mcp:Auth:Issuers:0:GroupsClaim"] = "grp",
        ["Msil:Mcp:Auth:Issuers:0:UserIdClaim"] = "upn",
        ["Msil:Mcp:Auth:Issuers:1:Issuer"] = "https://idp.example",
        ["Msil:Mcp:Auth:RequiredClaims:0"] = "tid",
        ["Msil:Mcp:Auth:ValidAlgorithms:0"] = "ES256",
        ["Msil:Mcp:Auth:ClockSkew"] = "00:00:30",
        ["Msil:Mcp:Auth:MaxTokenBytes"] = "8192",
        ["Msil:Mcp:Auth:Scopes:0"] = "mcp.tools",
        ["Msil:Mcp:Auth:RequiredScopes:0"] = "mcp.call",
        ["Msil:Mcp:Auth:ValidatedTokenCacheSize"] = "0",
        ["Msil:Mcp:Auth:RedisConnectionString"] = "jwks:6379",
        ["Msil:Mcp:Auth:AllowInsecureRedis"] = "true",
        ["Msil:Mcp:Auth:JwksCacheLifetime"] = "02:00:00",
        ["Msil:Mcp:Auth:McpPath"] = "/orders/mcp",
        ["Msil:Mcp:Auth:DevelopmentIssuer:Enabled"] = "true",
        ["Msil:Mcp:Auth:DevelopmentIssuer:Path"] = "/idp",
        ["Msil:Mcp:Auth:DevelopmentIssuer:Issuer"] = "http://127.0.0.1:5100/idp",
        ["Msil:Mcp:Auth:DevelopmentIssuer:TokenLifetime"] = "00:10:00",
        ["Msil:Mcp:Auth:DevelopmentIssuer:ExchangeAudiences:0"] = "api://backend",
        ["Msil:Mcp:Auth:Downstream:Mode"] = "TokenExchange",
        ["Msil:Mcp:Auth:Downstream:TokenEndpoint"] = "https://idp.example/token",
        ["Msil:Mcp:Auth:Downstream:ClientId"] = "orders-server",
        ["Msil:Mcp:Auth:Downstream:ClientSecret"] = "s3cret",
        ["Msil:Mcp:Auth:Downstream:RefreshBeforeExpiry"] = "00:02:00",
    };

    [Fact]
    public void AddMsilAuth_FullSection_EveryDocumentedKeyLandsInTheOptions()
    {
        using var services = ConfigurationBindingAssert.Register(Values, static (s, c) => s.AddMsilMcp().AddMsilAuth(c.GetSection("Msil:Mcp:Auth")));

        var options = ConfigurationBindingAssert.Configured<MsilAuthOptions>(services);

        Assert.Equal(Values.Count, ConfigurationBindingAssert.Landed(options, "Msil:Mcp:Auth", Values));
        Assert.Equal(2, options.Issuers.Count);
        Assert.Equal(["sub", "oid", "preferred_username", "tid"], options.RequiredClaims);
    }

    [Fact]
    public void AddMsilAuth_ConfigurationOverloads_NeedNoUnreferencedOrDynamicCode()
    {
        Assert.Equal(1, ConfigurationBindingAssert.TrimSafe(typeof(AuthMsilMcpBuilderExtensions)));
    }
}
