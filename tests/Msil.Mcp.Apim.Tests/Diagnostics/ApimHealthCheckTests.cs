using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Msil.Mcp.Apim.Resilience;
using Msil.Mcp.Apim.Tests.Infrastructure;

namespace Msil.Mcp.Apim.Tests.Diagnostics;

/// <summary>The gateways' readiness: degraded (never unhealthy) while a breaker is open or a client certificate is about to expire.</summary>
public sealed class ApimHealthCheckTests
{
    private static async Task<HealthCheckResult> CheckAsync(ApimHarness harness)
    {
        var service = harness.Services.GetRequiredService<HealthCheckService>();
        var report = await service.CheckHealthAsync(r => r.Name == "msil-apim-gateways", TestContext.Current.CancellationToken);
        var entry = Assert.Single(report.Entries);
        Assert.Contains("ready", entry.Value.Tags);
        return new HealthCheckResult(entry.Value.Status, entry.Value.Description, data: entry.Value.Data);
    }

    [Fact]
    public async Task CheckHealthAsync_NoGatewayCalled_IsHealthy()
    {
        await using var harness = ApimHarness.Create(o => o.GatewayUrl = new Uri("https://apim.example"));

        var result = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task CheckHealthAsync_BreakerOpen_IsDegradedNamingTheGateway()
    {
        await using var backend = await ScriptedBackend.StartAsync();
        backend.Default = Reply.Status503;
        await using var harness = ApimHarness.Create(o =>
        {
            ApimHarness.Fast(o, backend.Url);
            o.RetryMaxAttempts = 0;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        for (var i = 0; i < 5; i++)
        {
            await harness.CallAsync(ApimHarness.Tool("t", "GET", "/v1/x"));
        }

        var result = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("the circuit breaker of gateway 'default' is open", result.Description);
        Assert.Equal("open", result.Data["default"]);
    }

    [Fact]
    public async Task CheckHealthAsync_ClientCertificateExpiringSoon_IsDegraded()
    {
        using var certificates = new TestCertificates();
        certificates.WriteClientCertificate(certificates.Ca, "msil-mcp");
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddDays(25));
        await using var harness = ApimHarness.Create(
            o =>
            {
                o.GatewayUrl = new Uri("https://apim.example");
                o.ClientCertificatePath = certificates.ClientCertificatePath;
                o.ClientKeyPath = certificates.ClientKeyPath;
            },
            services => services.AddSingleton<TimeProvider>(clock));
        Assert.True(harness.Services.GetRequiredService<ApimGatewayRegistry>().TryGet(null, out _));

        var result = await CheckAsync(harness);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.StartsWith("the client certificate of gateway 'default' expires at", result.Description, StringComparison.Ordinal);
    }
}
