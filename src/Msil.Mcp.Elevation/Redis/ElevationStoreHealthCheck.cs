using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.Elevation.Redis;

/// <summary>
/// Readiness of the grant store: healthy for the in-memory store, and for Redis when it answers PING. A Redis that does
/// not answer is reported degraded, not unhealthy: only privileged calls are refused then (fail closed), read and write
/// tools go on, so the instance should keep its traffic.
/// </summary>
internal sealed class ElevationStoreHealthCheck(IOptions<ElevationOptions> options, ElevationRedisConnection connection) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "msil-elevation-store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (options.Value.Store != ElevationGrantStoreKind.Redis)
        {
            return HealthCheckResult.Healthy("in-memory grant store (one instance only)");
        }

        try
        {
            var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            var latency = await db.PingAsync().ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis grant store answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(HealthStatus.Degraded, $"{ElevationGate.StoreUnavailableReason} ({ex.GetType().Name}): privileged calls are refused until it is back");
        }
    }
}
