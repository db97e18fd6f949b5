using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Msil.Mcp.RateLimiting;

/// <summary>
/// Readiness of the rate-limit store: healthy in memory, and for Redis while it answers. A Redis that does not answer
/// is degraded, not unhealthy: calls go on with per-replica limits (or are refused, if so configured).
/// </summary>
internal sealed class RateLimitStoreHealthCheck(IOptionsMonitor<RateLimitOptions> options, IServiceProvider services) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "msil-ratelimit-store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var o = options.CurrentValue;
        if (!o.Enabled)
        {
            return HealthCheckResult.Healthy("rate limits are off");
        }

        if (services.GetService(typeof(IRateLimitStore)) is not RedisRateLimitStore store)
        {
            return HealthCheckResult.Healthy(o.Store == RateLimitStoreKind.Memory ? "in-memory buckets (per replica)" : "a custom store");
        }

        var connection = (RateLimitRedisConnection)services.GetService(typeof(RateLimitRedisConnection))!;
        try
        {
            var db = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            var latency = await db.PingAsync().ConfigureAwait(false);
            return store.IsUnavailable
                ? new HealthCheckResult(HealthStatus.Degraded, $"Redis answers again ({latency.TotalMilliseconds:0.0} ms); the next call leaves the fallback")
                : HealthCheckResult.Healthy($"Redis buckets answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var effect = o.WhenRedisUnavailable == RateLimitUnavailableMode.Refuse ? "calls are refused" : "limits are kept per replica in memory";
            return new HealthCheckResult(HealthStatus.Degraded, $"Redis cannot be reached ({ex.GetType().Name}): {effect} until it is back");
        }
    }
}
