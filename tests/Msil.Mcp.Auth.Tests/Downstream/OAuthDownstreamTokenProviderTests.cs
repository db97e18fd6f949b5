using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Auth.Downstream;

namespace Msil.Mcp.Auth.Tests.Downstream;

/// <summary>Downstream tokens against a loopback token endpoint that records each request's form.</summary>
public sealed class OAuthDownstreamTokenProviderTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<Dictionary<string, string>> _requests = new();
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private WebApplication _endpoint = null!;
    private string _url = string.Empty;
    private int _expiresIn = 3600;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallerIdentity Bob => new() { UserId = "bob@example.test", Subject = "user-bob", Issuer = "https://idp.example" };

    public async ValueTask InitializeAsync()
    {
        _url = $"http://127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(_url);
        builder.Logging.ClearProviders();
        _endpoint = builder.Build();
        _endpoint.MapPost("/token", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            _requests.Enqueue(form.ToDictionary(f => f.Key, f => f.Value.ToString()));
            return form["client_id"] == "reject-me"
                ? Results.Json(new { error = "invalid_client" }, statusCode: 401)
                : Results.Json(new { access_token = "downstream-" + _requests.Count, token_type = "Bearer", expires_in = _expiresIn });
        });
        await _endpoint.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _endpoint.DisposeAsync();

    private OAuthDownstreamTokenProvider Provider(DownstreamTokenMode mode, string clientId = "msil-mcp-server")
    {
        var options = new MsilAuthOptions();
        options.Downstream.Mode = mode;
        options.Downstream.TokenEndpoint = _url + "/token";
        options.Downstream.ClientId = clientId;
        options.Downstream.ClientSecret = "s3cret";
        return new OAuthDownstreamTokenProvider(new Factory(), new StaticMonitor(options), _time, NullLogger<OAuthDownstreamTokenProvider>.Instance);
    }

    [Fact]
    public async Task GetToken_TokenExchange_SendsRfc8693RequestWithUserAsSubject()
    {
        var token = await Provider(DownstreamTokenMode.TokenExchange).GetTokenAsync(Bob, new SensitiveString("caller-token"), "api://backend", Ct);

        Assert.Equal("downstream-1", token!.Reveal());
        var form = Assert.Single(_requests);
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", form["grant_type"]);
        Assert.Equal("caller-token", form["subject_token"]);
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", form["subject_token_type"]);
        Assert.Equal("api://backend", form["audience"]);
        Assert.Equal("msil-mcp-server", form["client_id"]);
    }

    [Fact]
    public async Task GetToken_OnBehalfOf_SendsJwtBearerAssertion()
    {
        await Provider(DownstreamTokenMode.OnBehalfOf).GetTokenAsync(Bob, new SensitiveString("caller-token"), "api://backend", Ct);

        var form = Assert.Single(_requests);
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        Assert.Equal("caller-token", form["assertion"]);
        Assert.Equal("on_behalf_of", form["requested_token_use"]);
        Assert.Equal("api://backend/.default", form["scope"]);
    }

    [Fact]
    public async Task GetToken_SameUserAndAudience_CachedUntilShortlyBeforeExpiry()
    {
        var provider = Provider(DownstreamTokenMode.TokenExchange);
        var subject = new SensitiveString("caller-token");

        var first = await provider.GetTokenAsync(Bob, subject, "api://backend", Ct);
        var second = await provider.GetTokenAsync(Bob, subject, "api://backend", Ct);
        var otherAudience = await provider.GetTokenAsync(Bob, subject, "api://other", Ct);
        _time.Advance(TimeSpan.FromSeconds(3600 - 59));
        var renewed = await provider.GetTokenAsync(Bob, subject, "api://backend", Ct);

        Assert.Equal(first!.Reveal(), second!.Reveal());
        Assert.NotEqual(first.Reveal(), otherAudience!.Reveal());
        Assert.NotEqual(first.Reveal(), renewed!.Reveal());
        Assert.Equal(3, _requests.Count);
    }

    [Theory]
    [InlineData(DownstreamTokenMode.TokenExchange)]
    [InlineData(DownstreamTokenMode.OnBehalfOf)]
    public async Task GetToken_SameUserWithAnotherSubjectToken_IsExchangedAgainNotServedFromTheCache(DownstreamTokenMode mode)
    {
        // Issue #17 item 8: keyed by user, a narrower token reused the broader token's exchange until it expired.
        var provider = Provider(mode);

        var broad = await provider.GetTokenAsync(Bob, new SensitiveString("caller-token-all-scopes"), "api://backend", Ct);
        var narrow = await provider.GetTokenAsync(Bob, new SensitiveString("caller-token-read-only"), "api://backend", Ct);
        var narrowAgain = await provider.GetTokenAsync(Bob, new SensitiveString("caller-token-read-only"), "api://backend", Ct);

        Assert.NotEqual(broad!.Reveal(), narrow!.Reveal());
        Assert.Equal(narrow.Reveal(), narrowAgain!.Reveal());
        Assert.Equal(2, _requests.Count);
        Assert.Equal("caller-token-read-only", _requests.Last()[mode == DownstreamTokenMode.TokenExchange ? "subject_token" : "assertion"]);
    }

    [Fact]
    public async Task GetToken_SameSubjectTokenForAnotherCaller_IsExchangedAgain()
    {
        var provider = Provider(DownstreamTokenMode.TokenExchange);
        var subject = new SensitiveString("caller-token");
        var mallory = new CallerIdentity { UserId = "mallory", Subject = "user-mallory", Issuer = "https://idp.example" };

        await provider.GetTokenAsync(Bob, subject, "api://backend", Ct);
        await provider.GetTokenAsync(mallory, subject, "api://backend", Ct);

        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public void CacheKey_NeverHoldsTheSubjectToken()
    {
        var key = OAuthDownstreamTokenProvider.CacheKey(DownstreamTokenMode.TokenExchange, Bob, new SensitiveString("caller-token"), "api://backend");

        Assert.DoesNotContain("caller-token", key.ToString(), StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("caller-token"u8)), key.SubjectTokenHash.ToString());
    }

    [Fact]
    public void CacheKey_LongSubjectToken_HashesAllOfIt()
    {
        var longToken = new string('a', 3000) + "b";
        var key = OAuthDownstreamTokenProvider.CacheKey(DownstreamTokenMode.TokenExchange, Bob, new SensitiveString(longToken), "api://backend");
        var other = OAuthDownstreamTokenProvider.CacheKey(DownstreamTokenMode.TokenExchange, Bob, new SensitiveString(new string('a', 3000) + "c"), "api://backend");

        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(longToken))), key.SubjectTokenHash.ToString());
        Assert.NotEqual(key, other);
        Assert.Equal(key, OAuthDownstreamTokenProvider.CacheKey(DownstreamTokenMode.TokenExchange, Bob, new SensitiveString(longToken), "api://backend"));
    }

    [Fact]
    public async Task GetToken_None_SendsNoToken()
    {
        Assert.Null(await Provider(DownstreamTokenMode.None).GetTokenAsync(Bob, new SensitiveString("caller-token"), "api://backend", Ct));
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task GetToken_Passthrough_ForwardsOnlyWhenConfigured()
    {
        var token = await Provider(DownstreamTokenMode.Passthrough).GetTokenAsync(Bob, new SensitiveString("caller-token"), "api://backend", Ct);

        Assert.Equal("caller-token", token!.Reveal());
    }

    [Fact]
    public async Task GetToken_ExchangeWithoutCallerToken_Throws()
    {
        await Assert.ThrowsAsync<DownstreamTokenException>(() => Provider(DownstreamTokenMode.TokenExchange).GetTokenAsync(Bob, null, "api://backend", Ct).AsTask());
    }

    [Fact]
    public async Task GetToken_EndpointRefuses_ThrowsWithoutLeakingSecrets()
    {
        var ex = await Assert.ThrowsAsync<DownstreamTokenException>(() => Provider(DownstreamTokenMode.TokenExchange, clientId: "reject-me").GetTokenAsync(Bob, new SensitiveString("caller-token"), "api://backend", Ct).AsTask());

        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("caller-token", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SensitiveString_ToString_NeverRevealsTheSecret()
    {
        Assert.Equal("***", new SensitiveString("caller-token").ToString());
        Assert.DoesNotContain("caller-token", $"{new SensitiveString("caller-token")}", StringComparison.Ordinal);
    }

    private sealed class Factory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new() { Timeout = TimeSpan.FromSeconds(10) };
    }

    private sealed class StaticMonitor(MsilAuthOptions value) : IOptionsMonitor<MsilAuthOptions>
    {
        public MsilAuthOptions CurrentValue => value;

        public MsilAuthOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MsilAuthOptions, string?> listener) => null;
    }
}
