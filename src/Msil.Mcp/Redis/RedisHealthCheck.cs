using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Msil.Mcp.Connections;
using StackExchange.Redis;

namespace Msil.Mcp.Redis;

/// <summary>
/// Readiness of the shared Redis connection (<c>Msil:Mcp:Redis</c>): healthy when it is not configured or answers a
/// <c>PING</c> on every primary it knows (one per shard in a cluster); unhealthy otherwise.
/// </summary>
internal sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
{
    /// <summary>The check's name in the health report.</summary>
    public const string Name = "msil-redis";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IConnectionMultiplexer? connection;
        try
        {
            connection = await Task.Run(() => services.GetKeyedService<IConnectionMultiplexer>(MsilRedisConnections.SharedKey), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"the shared Redis connection cannot be made ({ex.GetType().Name})");
        }

        if (connection is null)
        {
            return HealthCheckResult.Healthy("no shared Redis connection is configured (Msil:Mcp:Redis:ConnectionString)");
        }

        try
        {
            var primaries = connection.GetServers().Where(s => !s.IsReplica).ToList();
            if (primaries.Count == 0)
            {
                return HealthCheckResult.Unhealthy("Redis: no primary is connected");
            }

            var slowest = TimeSpan.Zero;
            foreach (var server in primaries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var latency = await server.PingAsync().ConfigureAwait(false);
                slowest = latency > slowest ? latency : slowest;
            }

            return HealthCheckResult.Healthy($"Redis: {primaries.Count} primary node(s) answered, slowest in {slowest.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Redis cannot be reached ({ex.GetType().Name})");
        }
    }
}
