using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Msil.Mcp.Abstractions;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Downstream;

/// <summary>Token exchange and on-behalf-of against the development issuer: the backend gets its own audience, the user as subject.</summary>
public sealed class DevelopmentIssuerExchangeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DownstreamTokenMode.TokenExchange)]
    [InlineData(DownstreamTokenMode.OnBehalfOf)]
    public async Task GetToken_AgainstDevelopmentIssuer_UserIsSubjectServerIsActor(DownstreamTokenMode mode)
    {
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.DevelopmentIssuer.Enabled = true;
            o.DevelopmentIssuer.ExchangeAudiences.Add("api://msil-sample-backend");
            o.Downstream.Mode = mode;
        }, environment: "Development");
        using var tokenResponse = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent([new("username", "bob")]), Ct);
        var callerToken = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
        var provider = host.Services.GetRequiredService<IDownstreamTokenProvider>();
        var caller = new CallerIdentity { UserId = "bob@example.test", Subject = "user-bob" };

        var downstream = await provider.GetTokenAsync(caller, new SensitiveString(callerToken), "api://msil-sample-backend", Ct);

        Assert.NotNull(downstream);
        Assert.NotEqual(callerToken, downstream.Reveal());
        var jwt = new JsonWebToken(downstream.Reveal());
        Assert.Equal(["api://msil-sample-backend"], jwt.Audiences);
        Assert.Equal("user-bob", jwt.Subject);
        Assert.Contains("msil-mcp-server", jwt.GetClaim("act").Value, StringComparison.Ordinal);
        Assert.Equal(["operator"], jwt.Claims.Where(c => c.Type == "roles").Select(c => c.Value));
    }

    [Fact]
    public async Task Exchange_ForgedSubjectToken_Refused()
    {
        await using var host = await AuthTestHost.StartAsync(o =>
        {
            o.DevelopmentIssuer.Enabled = true;
            o.DevelopmentIssuer.ExchangeAudiences.Add("api://msil-sample-backend");
            o.Downstream.Mode = DownstreamTokenMode.TokenExchange;
        }, environment: "Development");
        using var forge = new TokenForge(host.BaseUrl + "/dev/oidc", kid: "forged");
        var provider = host.Services.GetRequiredService<IDownstreamTokenProvider>();

        await Assert.ThrowsAsync<DownstreamTokenException>(() => provider.GetTokenAsync(
            new CallerIdentity { UserId = "mallory", Subject = "mallory" },
            new SensitiveString(forge.Sign(forge.Claims())),
            "api://msil-sample-backend",
            Ct).AsTask());
    }

    [Fact]
    public async Task Exchange_WithoutClientAuthentication_RefusedWithInvalidClient()
    {
        await using var host = await StartExchangeHostAsync();
        var callerToken = await PasswordTokenAsync(host, "alice");

        // A viewer holding their own token asks for a backend token directly, around the governed pipeline.
        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent(
        [
            new("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            new("subject_token", callerToken),
            new("audience", "api://msil-sample-backend"),
            new("client_id", "msil-mcp-server"),
        ]), Ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exchange_ForUnlistedAudience_RefusedWithInvalidTarget()
    {
        await using var host = await StartExchangeHostAsync();
        var provider = host.Services.GetRequiredService<IDownstreamTokenProvider>();
        var callerToken = await PasswordTokenAsync(host, "bob");

        await Assert.ThrowsAsync<DownstreamTokenException>(() => provider.GetTokenAsync(
            new CallerIdentity { UserId = "bob@example.test", Subject = "user-bob" },
            new SensitiveString(callerToken),
            "api://payroll",
            Ct).AsTask());
    }

    [Fact]
    public async Task PasswordGrant_ForAnotherAudience_RefusedWithInvalidTarget()
    {
        await using var host = await StartExchangeHostAsync();

        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent([new("username", "alice"), new("audience", "api://msil-sample-backend")]), Ct);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_target", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static Task<AuthTestHost> StartExchangeHostAsync() => AuthTestHost.StartAsync(o =>
    {
        o.DevelopmentIssuer.Enabled = true;
        o.DevelopmentIssuer.ExchangeAudiences.Add("api://msil-sample-backend");
        o.Downstream.Mode = DownstreamTokenMode.TokenExchange;
    }, environment: "Development");

    private static async Task<string> PasswordTokenAsync(AuthTestHost host, string user)
    {
        using var response = await host.Http.PostAsync(host.BaseUrl + "/dev/oidc/token", new FormUrlEncodedContent([new("username", user)]), Ct);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("access_token").GetString()!;
    }
}
