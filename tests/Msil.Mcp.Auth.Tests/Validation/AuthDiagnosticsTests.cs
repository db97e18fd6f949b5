using System.Net;
using Msil.Mcp.Auth.Tests.Infrastructure;

namespace Msil.Mcp.Auth.Tests.Validation;

/// <summary>What an operator reads in the log: a wrong audience names both audiences; an issuer that does not answer is warned at start.</summary>
public sealed class AuthDiagnosticsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void CollectLogs(IServiceCollection services)
        => services.AddFakeLogging().AddLogging(b => b.AddFilter("Msil.Mcp", LogLevel.Information));

    [Fact]
    public async Task Authenticate_WrongAudience_LoggedAtInformationWithExpectedAndActualNeverTheToken()
    {
        await using var idp = await FakeIdentityProvider.StartAsync();
        await using var host = await AuthTestHost.StartAsync(
            o => o.Issuers.Add(new OidcIssuerOptions { Issuer = idp.Issuer, RequireHttpsMetadata = false }),
            services: CollectLogs);
        var claims = idp.Forge.Claims();
        claims["aud"] = "api://someone-else";
        var token = idp.Forge.Sign(claims);

        using var response = await host.WhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var records = host.Services.GetFakeLogCollector().GetSnapshot();
        var record = Assert.Single(records, r => r.Id.Name == "WrongAudience");
        Assert.Equal(LogLevel.Information, record.Level);
        Assert.Contains("[api://someone-else]", record.Message, StringComparison.Ordinal);
        Assert.Contains("[api://msil-mcp-server]", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(records, r => r.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_IssuerDiscoveryDoesNotAnswer_WarnsNamingTheKey()
    {
        await using var host = await AuthTestHost.StartAsync(
            o => o.Issuers.Add(new OidcIssuerOptions { Issuer = "http://127.0.0.1:1/realms/none", RequireHttpsMetadata = false }),
            services: CollectLogs);

        // The probe runs once the host has started, in the background: wait for its record (bounded by the test's token).
        var collector = host.Services.GetFakeLogCollector();
        while (!collector.GetSnapshot().Any(r => r.Id.Name == "IssuerDiscoveryUnanswered"))
        {
            await Task.Delay(20, Ct);
        }

        var warning = Assert.Single(collector.GetSnapshot(), r => r.Id.Name == "IssuerDiscoveryUnanswered");
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("Msil:Mcp:Auth:Issuers:0:Issuer: ", warning.Message, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:1/realms/none/.well-known/openid-configuration", warning.Message, StringComparison.Ordinal);
    }
}
