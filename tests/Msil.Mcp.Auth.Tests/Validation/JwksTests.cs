using System.Net;
using Msil.Mcp.Auth.Tests.Infrastructure;
using StackExchange.Redis;

namespace Msil.Mcp.Auth.Tests.Validation;

/// <summary>Keys from discovery: refresh throttling, an IdP outage, and keys shared across replicas in real Redis.</summary>
public sealed class JwksTests
{
    [Fact]
    public async Task UnknownKidFlood_RefreshesAtMostOncePer30Seconds()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o => o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false }));
        using (var ok = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims())))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var before = idp.JwksFetches;
        using var stranger = System.Security.Cryptography.RSA.Create(2048);
        for (var i = 0; i < 40; i++)
        {
            using var refused = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims(user: "u" + i), kid: "forged-" + i, key: stranger));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.InRange(idp.JwksFetches - before, 0, 1);
    }

    [Fact]
    public async Task IssuerVariants_TrailingSlashes_CauseNoFurtherDiscoveryOrJwksFetch()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false });
            o.ValidatedTokenCacheSize = 0;
        });
        using (var ok = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims())))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var discovery = idp.DiscoveryFetches;
        var jwks = idp.JwksFetches;

        // Each variant used to build (and keep) a validator of its own, fetching discovery and JWKS before the signature was checked.
        using var stranger = System.Security.Cryptography.RSA.Create(2048);
        for (var i = 2; i < 27; i++)
        {
            var claims = idp.Forge.Claims(user: "v" + i);
            claims["iss"] = idp.Issuer + new string('/', i);
            using var refused = await host.WhoAmIAsync(idp.Forge.Sign(claims, key: i % 2 == 0 ? stranger : null));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(discovery, idp.DiscoveryFetches);
        Assert.Equal(jwks, idp.JwksFetches);
    }

    [Fact]
    public async Task IssuerVariant_OneTrailingSlash_ValidatesWithTheConfiguredIssuersKeys()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o => o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer + "/", RequireHttpsMetadata = false }));
        using (var ok = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims())))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var discovery = idp.DiscoveryFetches;
        var claims = idp.Forge.Claims(user: "slash");
        claims["iss"] = idp.Issuer + "/";
        using var slash = await host.WhoAmIAsync(idp.Forge.Sign(claims));

        Assert.Equal(HttpStatusCode.OK, slash.StatusCode);
        Assert.Equal(discovery, idp.DiscoveryFetches);
    }

    [Fact]
    public async Task UnconfiguredIssuer_NeverFetched()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var other = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o => o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false }));

        using var refused = await host.WhoAmIAsync(other.Forge.Sign(other.Forge.Claims()));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(0, other.DiscoveryFetches + other.JwksFetches);
    }

    [Fact]
    public async Task IdentityProviderDown_CachedKeysKeepValidating()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false });
            o.ValidatedTokenCacheSize = 0;
        });
        using (var first = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims(user: "first"))))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await idp.StopAsync();

        using var second = await host.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims(user: "second")));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task TwoInstances_ShareKeysInRedis_SecondValidatesWhileIdpDown()
    {
        var redis = RequireRedis();
        await using var idp = await FakeIdentityProvider.StartAsync();
        void Configure(MsilAuthOptions o)
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false });
            o.RedisConnectionString = redis;
            o.AllowInsecureRedis = true; // the loopback test Redis has a password but no TLS; the host runs as Production
        }

        await using var first = await AuthTestHost.StartAsync(Configure);
        using (var ok = await first.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims())))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            var stored = await connection.GetDatabase().StringGetAsync($"jwks:{idp.Issuer}:keys");
            Assert.True(stored.HasValue);
            Assert.Contains(idp.Forge.Kid, stored.ToString(), StringComparison.Ordinal);
        }

        await idp.StopAsync();
        await using var second = await AuthTestHost.StartAsync(Configure);

        using var shared = await second.WhoAmIAsync(idp.Forge.Sign(idp.Forge.Claims(user: "via-redis")));
        Assert.Equal(HttpStatusCode.OK, shared.StatusCode);
    }

    private static string RequireRedis() => Msil.Mcp.TestSupport.TestServiceContainers.Require("REDIS_CONNECTION_STRING", "a real Redis");
}
