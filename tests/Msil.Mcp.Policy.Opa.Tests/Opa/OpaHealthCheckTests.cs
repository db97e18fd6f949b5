using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Policy.Opa.Opa;
using Msil.Mcp.Policy.Opa.Tests.Infrastructure;

namespace Msil.Mcp.Policy.Opa.Tests.Opa;

/// <summary>The readiness check of the policy engine: OPA's GET /health decides; the embedded engine is always ready.</summary>
public sealed class OpaHealthCheckTests : IAsyncLifetime
{
    private FakeOpaServer _opa = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _opa = await FakeOpaServer.StartAsync();

    public async ValueTask DisposeAsync() => await _opa.DisposeAsync();

    [Theory]
    [InlineData(200, HealthStatus.Healthy)]
    [InlineData(500, HealthStatus.Unhealthy)]
    public async Task CheckHealth_OpaAnswers_StatusFollowsItsHealthEndpoint(int status, HealthStatus expected)
    {
        _opa.HealthStatus = status;
        using var services = new PolicyServices(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = _opa.Endpoint;
            o.Timeout = TimeSpan.FromSeconds(10);
        });

        var entry = await CheckAsync(services);

        Assert.Equal(expected, entry.Status);
    }

    [Fact]
    public async Task CheckHealth_OpaUnreachable_UnhealthyBecauseEveryCallIsDenied()
    {
        using var services = new PolicyServices(o =>
        {
            o.Engine = PolicyEngine.Opa;
            o.Endpoint = FakeOpaServer.UnusedEndpoint();
        });

        var entry = await CheckAsync(services);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("denied", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_EmbeddedEngine_Healthy()
    {
        using var services = new PolicyServices(_ => { });

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(services)).Status);
    }

    private static async Task<HealthReportEntry> CheckAsync(PolicyServices services)
    {
        var report = await services.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == OpaHealthCheck.Name, Ct);
        return report.Entries[OpaHealthCheck.Name];
    }
}
