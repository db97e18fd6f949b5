using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Elevation.Redis;
using Msil.Mcp.Elevation.Tests.Support;

namespace Msil.Mcp.Elevation.Tests.Redis;

/// <summary>The grant store's readiness check: healthy, or degraded (never unhealthy) when Redis does not answer.</summary>
public sealed class ElevationStoreHealthCheckTests
{
    private static async Task<HealthReportEntry> CheckAsync(GateFixture f)
    {
        var report = await f.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == ElevationStoreHealthCheck.Name, TestContext.Current.CancellationToken);
        var entry = Assert.Single(report.Entries).Value;
        Assert.Contains("ready", entry.Tags);
        return entry;
    }

    [Fact]
    public async Task CheckHealthAsync_MemoryStore_Healthy()
    {
        using var f = new GateFixture();

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(f)).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_RedisNotListening_DegradedSayingPrivilegedCallsAreRefused()
    {
        using var f = new GateFixture(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = $"127.0.0.1:{Msil.Mcp.Testing.LoopbackPorts.Free()}";
            o.RedisTimeout = TimeSpan.FromSeconds(1);
        });

        var entry = await CheckAsync(f);

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("privileged calls are refused", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task CheckHealthAsync_SharedRedis_Healthy()
    {
        var connectionString = SharedRedis.ConnectionString;
        using var f = new GateFixture(o =>
        {
            o.Store = ElevationGrantStoreKind.Redis;
            o.RedisConnectionString = connectionString;
        });

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(f)).Status);
    }
}
