using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Validation;

/// <summary>The attack suite of issue 4: every bad token gets 401 and learns nothing; the reason is only counted.</summary>
public sealed class MsilBearerHandlerTests : IAsyncLifetime
{
    private FakeIdentityProvider _idp = null!;
    private AuthTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _idp = await FakeIdentityProvider.StartAsync();
        _host = await AuthTestHost.StartAsync(o =>
        {
            o.Issuers.Add(new OidcIssuerOptions { Issuer = _idp.Issuer, RequireHttpsMetadata = false });
            o.ValidatedTokenCacheSize = 0;
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _idp.DisposeAsync();
    }

    [Fact]
    public async Task Authenticate_ValidToken_Accepted()
    {
        using var response = await _host.WhoAmIAsync(_idp.Forge.Sign(_idp.Forge.Claims()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("dana@example.test", body.GetProperty("user_id").GetString());
        Assert.Equal(["operator"], body.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
    }

    public static TheoryData<string> Attacks() =>
    [
        "alg_none", "hs256_with_public_key", "expired", "nbf_in_future", "wrong_issuer", "wrong_audience",
        "missing_sub", "missing_oid", "missing_preferred_username", "unknown_kid", "payload_altered",
        "oversized", "second_unconfigured_issuer", "not_bearer", "garbage",
    ];

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Authenticate_Attack_401WithoutDetail(string attack)
    {
        var token = await ForgeAsync(attack);

        using var response = await _host.WhoAmIAsync(attack == "not_bearer" ? null : token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var challenge = string.Join(' ', response.Headers.WwwAuthenticate.Select(h => h.ToString()));
        foreach (var leak in new[] { "expired", "signature", "audience", "issuer", "kid", "claim", "algorithm", "IDX" })
        {
            Assert.DoesNotContain(leak, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(leak, challenge.Replace("resource_metadata", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Authenticate_TokenInQueryString_Refused()
    {
        var token = _idp.Forge.Sign(_idp.Forge.Claims());

        using var response = await _host.WhoAmIAsync(token: null, query: "?access_token=" + token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("expired", "expired")]
    [InlineData("wrong_audience", "audience")]
    [InlineData("alg_none", "algorithm")]
    [InlineData("hs256_with_public_key", "algorithm")]
    [InlineData("missing_oid", "missing_claim")]
    [InlineData("second_unconfigured_issuer", "unknown_issuer")]
    [InlineData("payload_altered", "signature")]
    [InlineData("oversized", "too_large")]
    public async Task Authenticate_Attack_CountedByReason(string attack, string reason)
    {
        var token = await ForgeAsync(attack);
        var seen = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "msil.mcp.auth.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "msil.auth.reason")
                {
                    lock (seen)
                    {
                        seen.Add((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();

        using var response = await _host.WhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        lock (seen)
        {
            Assert.Contains(reason, seen);
        }
    }

    private async Task<string> ForgeAsync(string attack)
    {
        var forge = _idp.Forge;
        var claims = forge.Claims();
        var now = TimeProvider.System.GetUtcNow();
        switch (attack)
        {
            case "alg_none":
                return forge.Unsigned(claims);
            case "hs256_with_public_key":
                return forge.HmacWithPublicKey(claims);
            case "expired":
                claims["iat"] = now.AddHours(-2).ToUnixTimeSeconds();
                claims["nbf"] = now.AddHours(-2).ToUnixTimeSeconds();
                claims["exp"] = now.AddMinutes(-10).ToUnixTimeSeconds();
                return forge.Sign(claims);
            case "nbf_in_future":
                claims["nbf"] = now.AddMinutes(10).ToUnixTimeSeconds();
                return forge.Sign(claims);
            case "wrong_issuer":
                claims["iss"] = "http://127.0.0.1:1/not-configured";
                return forge.Sign(claims);
            case "wrong_audience":
                claims["aud"] = "api://someone-else";
                return forge.Sign(claims);
            case "missing_sub":
            case "missing_oid":
            case "missing_preferred_username":
                claims.Remove(attack["missing_".Length..]);
                return forge.Sign(claims);
            case "unknown_kid":
                using (var other = System.Security.Cryptography.RSA.Create(2048))
                {
                    return forge.Sign(claims, kid: "not-published", key: other);
                }

            case "payload_altered":
                return TokenForge.Tamper(forge.Sign(claims), p => p["roles"] = new JsonArray("admin"));
            case "oversized":
                claims["padding"] = new string('x', 20_000);
                return forge.Sign(claims);
            case "second_unconfigured_issuer":
                await using (var second = await FakeIdentityProvider.StartAsync())
                {
                    return second.Forge.Sign(second.Forge.Claims());
                }

            case "not_bearer":
                return string.Empty;
            case "garbage":
                return "this.is.not-a-jwt";
            default:
                throw new ArgumentOutOfRangeException(nameof(attack), attack, null);
        }
    }
}
