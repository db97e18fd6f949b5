using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Msil.Mcp.SampleBackend.Tests;

public sealed class SampleBackendRequestRecorderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Production", HttpStatusCode.NotFound)]
    [InlineData("Staging", HttpStatusCode.NotFound)]
    [InlineData("Development", HttpStatusCode.OK)]
    public async Task TestEndpoints_NotEnabled_MappedInDevelopmentOnly(string environment, HttpStatusCode expected)
    {
        await using var host = await SampleBackendTestHost.StartAsync(environment: environment, testEndpoints: false);

        using var recent = await host.Client.GetAsync("/backend/_test/recent-requests", Ct);
        using var stats = await host.Client.GetAsync("/backend/_test/stats", Ct);

        Assert.Equal(expected, recent.StatusCode);
        Assert.Equal(expected, stats.StatusCode);
    }

    [Fact]
    public async Task RecentRequests_AfterAuthorizedCall_KeepsHeadersAndClaimsButNeverTheToken()
    {
        await using var host = await SampleBackendTestHost.StartAsync();
        var token = host.MintToken();
        using var request = host.Request(HttpMethod.Get, "/backend/v1/inventory?model=Swift", token: token);
        request.Headers.Add("X-Correlation-ID", "corr-123");
        request.Headers.Add("X-MCP-Tool-Name", "get_vehicle_inventory");
        request.Headers.Add("Ocp-Apim-Subscription-Key", "subscription-secret");
        using var call = await host.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        using var response = await host.Client.GetAsync("/backend/_test/recent-requests", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(token, json, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], json, StringComparison.Ordinal);
        Assert.DoesNotContain("subscription-secret", json, StringComparison.Ordinal);
        Assert.Contains(Sha256Hex(token), json, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(json);
        var recorded = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("GET", recorded.GetProperty("method").GetString());
        Assert.Equal("/backend/v1/inventory", recorded.GetProperty("path").GetString());
        Assert.Equal("?model=Swift", recorded.GetProperty("query").GetString());
        Assert.Equal(200, recorded.GetProperty("status_code").GetInt32());
        var headers = recorded.GetProperty("headers");
        Assert.Equal("corr-123", headers.GetProperty("X-Correlation-ID").GetString());
        Assert.Equal("get_vehicle_inventory", headers.GetProperty("X-MCP-Tool-Name").GetString());
        Assert.Equal("sha256:" + Sha256Hex("subscription-secret"), headers.GetProperty("Ocp-Apim-Subscription-Key").GetString());
        Assert.False(headers.TryGetProperty("Authorization", out _));

        var authorization = recorded.GetProperty("authorization");
        Assert.Equal("Bearer", authorization.GetProperty("scheme").GetString());
        Assert.Equal(Sha256Hex(token), authorization.GetProperty("token_sha256").GetString());
        Assert.True(authorization.GetProperty("validated").GetBoolean());
        Assert.Equal(SampleBackendTestHost.Subject, authorization.GetProperty("sub").GetString());
        Assert.Equal(SampleBackendDefaults.Audience, Assert.Single(authorization.GetProperty("aud").EnumerateArray()).GetString());
        Assert.Equal(SampleBackendTestHost.Issuer, authorization.GetProperty("iss").GetString());
        Assert.Equal("msil-mcp-server", authorization.GetProperty("azp").GetString());
        using var actor = JsonDocument.Parse(authorization.GetProperty("act").GetString()!);
        Assert.Equal("msil-mcp-server", actor.RootElement.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task RecentRequests_AfterRejectedToken_KeepsOnlySchemeAndHash()
    {
        await using var host = await SampleBackendTestHost.StartAsync();
        var token = host.MintToken(audience: "api://msil-mcp-server");

        using var call = await host.SendAsync(HttpMethod.Get, "/backend/v1/inventory", token: token);
        using var response = await host.Client.GetAsync("/backend/_test/recent-requests", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, call.StatusCode);
        Assert.DoesNotContain(token, json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var recorded = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(401, recorded.GetProperty("status_code").GetInt32());
        var authorization = recorded.GetProperty("authorization");
        Assert.False(authorization.GetProperty("validated").GetBoolean());
        Assert.Equal(Sha256Hex(token), authorization.GetProperty("token_sha256").GetString());
        Assert.Equal(JsonValueKind.Null, authorization.GetProperty("sub").ValueKind);
    }

    [Fact]
    public async Task GetRecentRequests_MoreThanCapacity_KeepsMostRecentFirst()
    {
        await using var host = await SampleBackendTestHost.StartAsync(o => o.RecentRequestCapacity = 2);

        foreach (var dealer in new[] { "DL001", "DL002", "DL003" })
        {
            using var response = await host.SendAsync(HttpMethod.Get, $"/backend/v1/dealers/{dealer}/enquiries");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var recorder = host.Services.GetRequiredService<SampleBackendRequestRecorder>();
        var recent = recorder.GetRecentRequests();
        Assert.Equal(["/backend/v1/dealers/DL003/enquiries", "/backend/v1/dealers/DL002/enquiries"], recent.Select(r => r.Path));
        Assert.Equal(2, recorder.GetStats().RecordedRequests);

        recorder.Clear();
        Assert.Empty(recorder.GetRecentRequests());
    }

    [Fact]
    public async Task GetStats_AfterPayment_CountsPaymentsProcessed()
    {
        await using var host = await SampleBackendTestHost.StartAsync();
        var recorder = host.Services.GetRequiredService<SampleBackendRequestRecorder>();
        Assert.Equal(0, recorder.GetStats().PaymentsProcessed);

        using var response = await host.SendAsync(HttpMethod.Post, "/backend/v1/payments", """{"booking_id":"BK1001","amount":500,"currency":"INR","method":"upi"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(1, recorder.GetStats().PaymentsProcessed);
        Assert.Equal(0, recorder.GetStats().IdempotentReplays);
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
