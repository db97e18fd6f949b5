using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Msil.Mcp.SampleBackend.Tests;

public sealed class SampleBackendServiceCollectionExtensionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddSampleBackend_Configured_RegistersSchemePolicyButNoDefaultScheme()
    {
        await using var host = await SampleBackendTestHost.StartAsync();

        var authentication = host.Services.GetRequiredService<IOptions<AuthenticationOptions>>().Value;
        var scheme = await host.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(SampleBackendDefaults.AuthenticationScheme);
        var policy = await host.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(SampleBackendDefaults.AuthorizationPolicy);
        var jwt = host.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(SampleBackendDefaults.AuthenticationScheme);

        Assert.Null(authentication.DefaultScheme);
        Assert.Null(authentication.DefaultAuthenticateScheme);
        Assert.Null(authentication.DefaultChallengeScheme);
        Assert.NotNull(scheme);
        Assert.NotNull(policy);
        Assert.Equal([SampleBackendDefaults.AuthenticationScheme], policy.AuthenticationSchemes);
        Assert.False(jwt.MapInboundClaims);
        Assert.Equal(["RS256"], jwt.TokenValidationParameters.ValidAlgorithms);
        Assert.Equal(SampleBackendDefaults.Audience, jwt.TokenValidationParameters.ValidAudience);
        Assert.Equal(SampleBackendTestHost.Issuer, jwt.TokenValidationParameters.ValidIssuer);
    }

    [Fact]
    public void AddSampleBackend_LoopbackHttpAuthority_UsesDiscoveryWithoutRequiringHttps()
    {
        var services = new ServiceCollection();
        services.AddSampleBackend(o => o.Authority = "http://127.0.0.1:5055/dev/oidc");
        using var provider = services.BuildServiceProvider();

        var jwt = provider.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(SampleBackendDefaults.AuthenticationScheme);

        Assert.Equal("http://127.0.0.1:5055/dev/oidc", jwt.Authority);
        Assert.False(jwt.RequireHttpsMetadata);
        Assert.NotNull(jwt.ConfigurationManager);
    }

    [Fact]
    public async Task AddSampleBackend_LoopbackHttpAuthority_AcceptsTokenSignedWithDiscoveredKey()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "loopback-issuer-key" };
        await using var issuer = await StartLoopbackIssuerAsync(key);
        var issuerUrl = issuer.Urls.Single() + "/oidc";

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSampleBackend(o => o.Authority = issuerUrl);
        await using var backend = builder.Build();
        backend.UseAuthentication();
        backend.UseAuthorization();
        backend.MapSampleBackend();
        await backend.StartAsync(Ct);
        using var client = backend.GetTestClient();

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuerUrl,
            Audience = SampleBackendDefaults.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "user@msil.example" },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/backend/v1/inventory");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void AddSampleBackend_CalledTwice_RegistersServicesOnce()
    {
        var services = new ServiceCollection();
        services.AddSampleBackend(o => o.Authority = "https://login.example.com/tenant/v2.0");
        var count = services.Count;

        services.AddSampleBackend();

        Assert.Equal(count, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(SampleBackendRequestRecorder));
    }

    [Theory]
    [InlineData(null, "Authority")]
    [InlineData("http://auth.example.com", "Authority")]
    [InlineData("not a url", "Authority")]
    public async Task AddSampleBackend_InvalidAuthority_FailsOnStartNamingTheOption(string? authority, string expected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSampleBackend(o => o.Authority = authority);
        await using var app = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSampleBackend_SigningKeysWithoutIssuer_FailsOnStart()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSampleBackend(o =>
        {
            o.IssuerSigningKeys.Add(new SymmetricSecurityKey(new byte[32]));
            o.RecentRequestCapacity = 0;
        });
        await using var app = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Ct));

        Assert.Contains("Issuer", exception.Message, StringComparison.Ordinal);
        Assert.Contains("RecentRequestCapacity", exception.Message, StringComparison.Ordinal);
    }

    /// <summary>Serves a discovery document and a JWKS on 127.0.0.1 under <c>/oidc</c>, as a development issuer would.</summary>
    private static async Task<WebApplication> StartLoopbackIssuerAsync(RsaSecurityKey key)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["kid"] = key.KeyId,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            }),
        }.ToJsonString();
        app.MapGet("/oidc/.well-known/openid-configuration", (HttpContext context) =>
        {
            var issuer = $"{context.Request.Scheme}://{context.Request.Host}/oidc";
            var document = new JsonObject { ["issuer"] = issuer, ["jwks_uri"] = issuer + "/jwks" }.ToJsonString();
            return Results.Text(document, "application/json");
        });
        app.MapGet("/oidc/jwks", () => Results.Text(jwks, "application/json"));
        await app.StartAsync(Ct);
        return app;
    }

    [Fact]
    public async Task MapSampleBackend_WithoutAddSampleBackend_ThrowsInvalidOperation()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var exception = Assert.Throws<InvalidOperationException>(() => app.MapSampleBackend());

        Assert.Contains("AddSampleBackend", exception.Message, StringComparison.Ordinal);
    }
}
